// What every demo subgraph module provides, plus helpers they share.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { GraphQLError, parse, type GraphQLSchema } from 'graphql';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';

export type SubgraphName = 'accounts' | 'catalog' | 'orders' | 'reviews';

/** The per-request context: request headers and this request's own DataLoaders. */
export interface RequestContext<L> {
  headers: IncomingHttpHeaders;
  loaders: L;
}

export interface SubgraphModule<L> {
  schema: GraphQLSchema;
  createContext(req: IncomingMessage): RequestContext<L>;
  /** Releases clients created once per subgraph (gRPC channels). */
  close(): void;
}

export type Resolvers<L> = GraphQLResolverMap<RequestContext<L>>;

const sdlCache = new Map<SubgraphName, string>();

/** The contents of subgraphs/<name>/schema.graphql. */
export function subgraphSdl(name: SubgraphName): string {
  let sdl = sdlCache.get(name);
  if (sdl === undefined) {
    sdl = readFileSync(new URL(`../${name}/schema.graphql`, import.meta.url), 'utf8');
    sdlCache.set(name, sdl);
  }
  return sdl;
}

export function buildSchema<L>(name: SubgraphName, resolvers: Resolvers<L>): GraphQLSchema {
  return buildSubgraphSchema({ typeDefs: parse(subgraphSdl(name)), resolvers: resolvers as GraphQLResolverMap<unknown> });
}

/** Validates a `first: Int` page-size argument: 0..max, else a BAD_USER_INPUT error. */
export function pageSize(first: number, max = 50): number {
  if (!Number.isInteger(first) || first < 0 || first > max) {
    throw new GraphQLError(`"first" must be between 0 and ${max}`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return first;
}

/** A single-valued header, or undefined when absent, empty or repeated. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Money as the schemas expose it; the demo sells in US dollars only. */
export interface Money {
  /** In cents. */
  amount: number;
  currency: string;
}
export const usd = (cents: number): Money => ({ amount: cents, currency: 'USD' });
