import { buildASTSchema, parse, type DocumentNode, type GraphQLSchema } from 'graphql';

/**
 * One load of the supergraph, parsed and built once and shared: authorization and cost read its
 * directives from `document` and its types from `schema`; the executor builds its query planner
 * from `document` (federation-internals' own schema, which graphql-js's cannot replace).
 */
export interface ParsedSupergraph {
  readonly document: DocumentNode;
  /** The whole supergraph (join__ types and all) as graphql-js; not the API schema. */
  readonly schema: GraphQLSchema;
}

const built = new WeakMap<DocumentNode, ParsedSupergraph>();

/** Parses and builds a supergraph SDL; a document already parsed is only built (once, cached). */
export function parseSupergraph(source: string | DocumentNode | ParsedSupergraph): ParsedSupergraph {
  if (typeof source !== 'string' && 'schema' in source) return source;
  const document = typeof source === 'string' ? parse(source, { noLocation: true }) : source;
  let supergraph = built.get(document);
  if (supergraph === undefined) {
    supergraph = { document, schema: buildASTSchema(document, { assumeValid: true, assumeValidSDL: true }) };
    built.set(document, supergraph);
  }
  return supergraph;
}
