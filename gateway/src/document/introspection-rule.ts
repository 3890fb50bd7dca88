import { GraphQLError, type ValidationRule } from 'graphql';

/** `server.introspection: false` (or a client profile's `introspection: false`): a document that asks for `__schema` or `__type` does not validate. */
export const NoIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(
        new GraphQLError('GraphQL introspection is not allowed for this client, but the query contained __schema or __type.', {
          nodes: [node],
        }),
      );
    }
  },
});
