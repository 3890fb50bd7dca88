// Parse + validate once per distinct query string. The gateway sends the same few generated
// queries over and over, so this keeps subgraphs cheap and the gateway the bottleneck.
import { parse, validate, GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';

export type CachedDocument = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] };

export interface DocumentCache {
  get(query: string): CachedDocument;
}

/** maxEntries bounds memory against clients sending endless distinct queries (default 1000). */
export function createDocumentCache(schema: GraphQLSchema, maxEntries = 1000): DocumentCache {
  const cache = new Map<string, CachedDocument>();
  return {
    get(query) {
      const hit = cache.get(query);
      if (hit) return hit;
      const entry = parseAndValidate(schema, query);
      // Simple bound: start over when full. Demo traffic repeats a handful of queries.
      if (cache.size >= maxEntries) cache.clear();
      cache.set(query, entry);
      return entry;
    },
  };
}

function parseAndValidate(schema: GraphQLSchema, query: string): CachedDocument {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (err) {
    return { errors: [err instanceof GraphQLError ? err : new GraphQLError(String(err))] };
  }
  const errors = validate(schema, document);
  return errors.length > 0 ? { errors } : { document };
}
