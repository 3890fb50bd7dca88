// The correctness oracle: the same fixtures served by ONE plain graphql-js schema, no federation.
// Whatever a gateway returns for a benchmark query must equal what this returns.
import { buildSchema, execute, parse, type GraphQLFieldResolver } from 'graphql';
import {
  inStock, products, productsByUpc, reviewsByAuthor, reviewsByUpc, shippingEstimate, users,
  usersById, type Product, type Review, type User,
} from './fixtures.ts';

const schema = buildSchema(`
  type Query { me: User  user(id: ID!): User  users: [User]  topProducts(first: Int = 5): [Product] }
  type User { id: ID!  name: String  username: String  birthday: Int  reviews: [Review] }
  type Product {
    upc: String!  name: String  price: Int  weight: Int
    inStock: Boolean  shippingEstimate: Int  reviews: [Review]
  }
  type Review { id: ID!  body: String  author: User  product: Product }
`);

// Only the fields that are not plain properties of the fixture objects.
const computed: Record<string, GraphQLFieldResolver<unknown, unknown>> = {
  'Query.me': () => users[0],
  'Query.user': (_s, args) => usersById.get(String((args as { id: string }).id)),
  'Query.users': () => users,
  'Query.topProducts': (_s, args) => products.slice(0, (args as { first: number }).first),
  'User.reviews': (u) => reviewsByAuthor.get((u as User).id) ?? [],
  'Product.inStock': (p) => inStock((p as Product).upc),
  'Product.shippingEstimate': (p) => shippingEstimate((p as Product).price, (p as Product).weight),
  'Product.reviews': (p) => reviewsByUpc.get((p as Product).upc) ?? [],
  'Review.author': (r) => usersById.get((r as Review).authorId),
  'Review.product': (r) => productsByUpc.get((r as Review).upc),
};

/** The `data` a correct gateway returns for `query`; throws if the query itself is wrong. */
export async function expectedData(query: string, variables?: Record<string, unknown>): Promise<unknown> {
  const result = await execute({
    schema,
    document: parse(query),
    variableValues: variables ?? null,
    fieldResolver: (source, args, ctx, info) => {
      const resolver = computed[`${info.parentType.name}.${info.fieldName}`];
      if (resolver) return resolver(source, args, ctx, info);
      return (source as Record<string, unknown>)[info.fieldName];
    },
  });
  if (result.errors) throw new Error(`oracle failed: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.data;
}
