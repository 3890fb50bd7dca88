// The one contract between the edge cache (cache/) and Tollgate's executor (federation/): types
// only, so each side depends on core/ and never on the other. The executor asks before each
// subgraph fetch of a query and hands over what came back; the cache decides what is cacheable.
import type { RequestContext } from './request-context.ts';

/** One subgraph fetch of a query plan, as the cache sees it. */
export interface CachedFetch {
  readonly subgraph: string;
  /** The fetch's operation as the planner wrote it: it names the selection set. */
  readonly operation: string;
  /** JSON of the client variables the fetch uses; '' when it uses none. */
  readonly variables: string;
}

/** An entity fetch's look-up: one round trip for all its representations. */
export interface EntityLookup {
  /** Per representation, in the order asked: the JSON of its cached `_entities` item, or undefined (a miss). */
  readonly hits: ReadonlyArray<string | undefined>;
  /**
   * Keeps the subgraph's items for the representations at `indices` (of the order asked), as
   * received: before any merge or rewrite. `cacheControl`: the subgraph's `cache-control` response
   * header, which may shorten the TTL or forbid keeping them.
   */
  store(indices: readonly number[], items: readonly unknown[], cacheControl?: string | undefined): void;
}

/** A root fetch's look-up. */
export interface RootLookup {
  /** The JSON of the cached `data`, or undefined (a miss). */
  readonly hit: string | undefined;
  /** Keeps the subgraph's `data` (an answer without errors), as received; `cacheControl` as for entities. */
  store(data: unknown, cacheControl?: string | undefined): void;
}

/** One request's view of the cache. A look-up answers undefined when the fetch is not cacheable (or the store is down): fetch as usual. */
export interface RequestCache {
  entities(fetch: CachedFetch, representations: readonly string[]): Promise<EntityLookup | undefined>;
  root(fetch: CachedFetch): Promise<RootLookup | undefined>;
}

/** What the executor is given (TollgateGatewayOptions.cache). */
export interface FetchCacheHook {
  /** The request's cache, or undefined when nothing of it is cached (a mutation, an opted-out profile or operation). */
  forRequest(request: { readonly operationKind: string; readonly operationName: string | undefined; readonly context: Partial<RequestContext> }): RequestCache | undefined;
  /**
   * A subgraph answer listed changed entities (`extensions.invalidateEntities`, README "Caching
   * at the edge"): they are invalidated on every instance before the answer goes on.
   */
  invalidateListed(subgraph: string, listed: unknown): Promise<void>;
}
