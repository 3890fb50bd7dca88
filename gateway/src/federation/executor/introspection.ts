import { Kind, OperationTypeNode, executeSync, visit, type DocumentNode, type FieldNode, type GraphQLSchema, type VariableDefinitionNode } from 'graphql';
import type { FieldSelection } from '@apollo/federation-internals';
import { hasOwn } from './merge.ts';
import type { IntrospectionCompiler } from './shape-response.ts';

/**
 * Answers `__schema` / `__type` with graphql-js on the API schema, as @apollo/gateway does
 * (executeIntrospection): the field, fragments expanded, in a query of its own with the variables
 * it uses. The document is built once per plan; a field without variables is answered once.
 */
export function introspectionCompiler(
  schema: GraphQLSchema,
  variableDefinitions: readonly VariableDefinitionNode[] | undefined,
): IntrospectionCompiler {
  return (selection: FieldSelection) => {
    const field = selection.expandFragments().toSelectionNode();
    const responseName = field.alias?.value ?? field.name.value;
    let document: DocumentNode;
    let usesVariables: boolean;
    try {
      ({ document, usesVariables } = introspectionDocument(field, variableDefinitions));
    } catch (error) {
      // Apollo's executor fails this way on every request; so does this one.
      return () => {
        throw error;
      };
    }
    const run = (variables: Record<string, unknown> | undefined): unknown => {
      const { data, errors } = executeSync({ schema, document, rootValue: {}, variableValues: variables });
      if (errors && errors.length > 0) {
        throw new Error(`Introspection query for ${JSON.stringify(field)} should not have failed but got ${JSON.stringify(errors)}`);
      }
      if (!data) throw new Error(`Introspection query for ${JSON.stringify(field)} should not have failed`);
      return hasOwn(data, responseName) ? data[responseName] : undefined;
    };
    if (usesVariables) return run;
    let answer: { value: unknown } | undefined;
    return () => (answer ??= { value: run(undefined) }).value;
  };
}

function introspectionDocument(
  field: FieldNode,
  variableDefinitions: readonly VariableDefinitionNode[] | undefined,
): { document: DocumentNode; usesVariables: boolean } {
  const used = new Set<string>();
  visit(field, { Variable: ({ name }) => void used.add(name.value) });
  const usedDefinitions = variableDefinitions?.filter((def) => used.has(def.variable.name.value));
  if (used.size !== (usedDefinitions?.length ?? 0)) {
    throw new Error(`Should have found all used variables ${[...used]} in definitions ${JSON.stringify(variableDefinitions)}`);
  }
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        variableDefinitions: usedDefinitions,
        selectionSet: { kind: Kind.SELECTION_SET, selections: [field] },
      },
    ],
  };
  return { document, usesVariables: used.size > 0 };
}
