// The edge cache over one supergraph: what the executor asks before each fetch of a query
// (core/fetch-cache.ts). A fetch's policy comes from the `@cacheControl` hints of the fields it
// selects (core/cache-policy.ts, once per fetch operation); PRIVATE answers are kept per
// identity and never for an anonymous caller; nothing of a mutation is cached.
import { parse, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { LruCache } from '../core/cache.ts';
import { CacheHints, fetchCachePolicy, UNCACHEABLE, type FetchCachePolicy } from '../core/cache-policy.ts';
import type { ParsedSupergraph } from '../core/supergraph.ts';
import type { CachedFetch, EntityLookup, FetchCacheHook, RequestCache, RootLookup } from '../core/fetch-cache.ts';
import type { RequestContext } from '../core/request-context.ts';
import type { EdgeCache } from './edge-cache.ts';
import { targetsFromEntities } from './invalidation.ts';
import { EntityKeys, fetchDigest } from './keys.ts';
import type { StoreEntry } from './store.ts';

const NOT_CACHEABLE: FetchCachePolicy = { ...UNCACHEABLE, entities: false, types: [] };

export interface GraphCacheOptions {
  cache: EdgeCache;
  /** The supergraph as graphql-js (join__ types and all): hints are read against it. */
  schema: GraphQLSchema;
  /** The supergraph's hints; undefined: it has none, and nothing is cached. */
  hints: CacheHints | undefined;
  keys: EntityKeys;
  logger: Logger;
}

export class GraphCache implements FetchCacheHook {
  readonly #policies = new LruCache<string, FetchCachePolicy>(5000);
  /** Per subgraph, per operation: the digest of a fetch without variables or identity. */
  readonly #digests = new Map<string, LruCache<string, string>>();
  readonly #disabledProfiles: ReadonlySet<string>;
  readonly #disabledOperations: ReadonlySet<string>;

  constructor(private readonly options: GraphCacheOptions) {
    this.#disabledProfiles = new Set(options.cache.config.disabled_profiles);
    this.#disabledOperations = new Set(options.cache.config.disabled_operations);
  }

  forRequest(request: { operationKind: string; operationName: string | undefined; context: Partial<RequestContext> }): RequestCache | undefined {
    if (this.options.hints === undefined || request.operationKind !== 'query') return undefined;
    const { profile } = request.context;
    if (profile !== undefined && this.#disabledProfiles.has(profile)) return undefined;
    if (request.operationName !== undefined && this.#disabledOperations.has(request.operationName)) return undefined;
    return new RequestEdgeCache(this, this.options.cache, request.context);
  }

  async invalidateListed(subgraph: string, listed: unknown): Promise<void> {
    let targets;
    try {
      targets = targetsFromEntities(listed);
    } catch (error) {
      this.options.logger.warn({ subgraph, reason: (error as Error).message }, 'edge cache: a subgraph sent a malformed invalidateEntities extension; ignored');
      return;
    }
    try {
      await this.options.cache.invalidate(targets);
    } catch (error) {
      this.options.logger.error({ err: error, subgraph, entities: targets.length }, 'edge cache: invalidation requested by a subgraph failed; cached answers expire by their TTL');
    }
  }

  /**
   * What keys a fetch's answers besides the representation (keys.ts fetchDigest): worked out once
   * per operation for a fetch without variables or identity, the common case.
   */
  fetchDigest(fetch: CachedFetch, scope: string): string {
    if (fetch.variables !== '' || scope !== '') return fetchDigest(fetch.subgraph, fetch.operation, fetch.variables, scope);
    let digests = this.#digests.get(fetch.subgraph);
    if (digests === undefined) this.#digests.set(fetch.subgraph, (digests = new LruCache(5000)));
    let digest = digests.get(fetch.operation);
    if (digest === undefined) {
      digest = fetchDigest(fetch.subgraph, fetch.operation, '', '');
      digests.set(fetch.operation, digest);
    }
    return digest;
  }

  /** The policy of a fetch operation, worked out once. */
  policy(operation: string): FetchCachePolicy {
    let policy = this.#policies.get(operation);
    if (policy === undefined) {
      try {
        policy = this.options.hints ? fetchCachePolicy(this.options.schema, this.options.hints, parse(operation, { noLocation: true })) : NOT_CACHEABLE;
      } catch {
        policy = NOT_CACHEABLE;
      }
      this.#policies.set(operation, policy);
    }
    return policy;
  }

  get keys(): EntityKeys {
    return this.options.keys;
  }
}

/** The cache as one request sees it: its identity (PRIVATE answers) and whether it may read. */
class RequestEdgeCache implements RequestCache {
  constructor(
    private readonly graph: GraphCache,
    private readonly cache: EdgeCache,
    private readonly context: Partial<RequestContext>,
  ) {}

  async entities(fetch: CachedFetch, representations: readonly string[]): Promise<EntityLookup | undefined> {
    const policy = this.graph.policy(fetch.operation);
    const scope = this.#scope(policy);
    if (scope === undefined) return undefined;
    const { keys } = this.cache;
    const count = representations.length;
    const lookupKeys: string[] = new Array(count);
    const types: string[] = new Array(count);
    // Per representation, the positions (in lookupKeys) of the stamps guarding it.
    const guards: number[][] = new Array(count);
    const stampAt = new Map<string, number>();
    const stampKeys: string[] = [];
    const stamp = (key: string) => {
      let at = stampAt.get(key);
      if (at === undefined) {
        at = count + stampKeys.length;
        stampAt.set(key, at);
        stampKeys.push(key);
      }
      return at;
    };
    const digest = this.graph.fetchDigest(fetch, scope);
    for (let i = 0; i < count; i++) {
      const json = representations[i] as string;
      const representation = JSON.parse(json) as Record<string, unknown>;
      const type = String(representation['__typename']);
      types[i] = type;
      lookupKeys[i] = keys.entity(type, digest, json);
      const own = [stamp(keys.typeStamp(type))];
      for (const id of this.graph.keys.ids(type, representation)) own.push(stamp(keys.entityStamp(type, id)));
      guards[i] = own;
    }
    for (const key of stampKeys) lookupKeys.push(key);
    const startedAt = Date.now();
    const values = this.context.cacheRefresh ? [] : await this.cache.lookup(lookupKeys);
    if (values === undefined) {
      this.#count(fetch.subgraph, types, undefined, 0);
      return undefined;
    }
    const hits: Array<string | undefined> = new Array(count);
    let hitCount = 0;
    for (let i = 0; i < count; i++) {
      const hit = fresh(values[i], guards[i] as number[], values);
      hits[i] = hit;
      if (hit !== undefined) hitCount++;
    }
    this.#count(fetch.subgraph, types, hits, hitCount);
    const policyTtlMs = this.#ttlMs(policy);
    return {
      hits,
      store: (indices, items, cacheControl) => {
        const ttlMs = subgraphTtlMs(policyTtlMs, scope, cacheControl);
        if (ttlMs <= 0) return;
        const entries: StoreEntry[] = [];
        indices.forEach((index, n) => {
          const item = items[n];
          if (item === null || item === undefined) return; // not found, or nulled by an error
          const value = this.#value(startedAt, item);
          if (value !== undefined) entries.push({ key: lookupKeys[index] as string, value, ttlMs });
        });
        this.cache.write(entries);
      },
    };
  }

  async root(fetch: CachedFetch): Promise<RootLookup | undefined> {
    const policy = this.graph.policy(fetch.operation);
    const scope = this.#scope(policy);
    if (scope === undefined || policy.entities) return undefined;
    const { keys } = this.cache;
    const key = keys.root(fetch.subgraph, this.graph.fetchDigest(fetch, scope));
    const lookupKeys = [key];
    for (const type of policy.types) lookupKeys.push(keys.typeStamp(type), keys.rootsStamp(type));
    const startedAt = Date.now();
    const values = this.context.cacheRefresh ? [] : await this.cache.lookup(lookupKeys);
    if (values === undefined) {
      this.cache.stats.add(fetch.subgraph, 'Query', 'error');
      return undefined;
    }
    const hit = fresh(values[0], lookupKeys.map((_, i) => i).slice(1), values);
    this.cache.stats.add(fetch.subgraph, 'Query', hit === undefined ? 'miss' : 'hit');
    const policyTtlMs = this.#ttlMs(policy);
    return {
      hit,
      store: (data, cacheControl) => {
        const ttlMs = subgraphTtlMs(policyTtlMs, scope, cacheControl);
        if (ttlMs <= 0) return;
        const value = data === null || data === undefined ? undefined : this.#value(startedAt, data);
        if (value !== undefined) this.cache.write([{ key, value, ttlMs }]);
      },
    };
  }

  /** Counts look-ups per type: `hits` undefined = the store failed (errors); one add per type and result when a fetch is of one type. */
  #count(subgraph: string, types: readonly string[], hits: ReadonlyArray<string | undefined> | undefined, hitCount: number): void {
    const { stats } = this.cache;
    const first = types[0] as string;
    if (types.every((type) => type === first)) {
      if (hits === undefined) stats.add(subgraph, first, 'error', types.length);
      else {
        stats.add(subgraph, first, 'hit', hitCount);
        stats.add(subgraph, first, 'miss', types.length - hitCount);
      }
      return;
    }
    types.forEach((type, i) => stats.add(subgraph, type, hits === undefined ? 'error' : hits[i] === undefined ? 'miss' : 'hit'));
  }

  /** '' for PUBLIC answers, the caller for PRIVATE ones; undefined: not cacheable for this request. */
  #scope(policy: FetchCachePolicy): string | undefined {
    if (policy.maxAge <= 0) return undefined;
    if (policy.scope === 'PUBLIC') return '';
    const identity = this.context.identity;
    if (identity === undefined || (identity.subject === undefined && identity.clientId === undefined)) return undefined;
    return `${identity.method}:${identity.subject ?? ''}:${identity.clientId ?? ''}`;
  }

  #ttlMs(policy: FetchCachePolicy): number {
    return Math.min(policy.maxAge, this.cache.config.max_ttl_s) * 1000;
  }

  /** `<ms>\n<JSON>`, or undefined past `cache.max_item_bytes`. */
  #value(startedAt: number, item: unknown): string | undefined {
    const json = JSON.stringify(item);
    return json.length > this.cache.config.max_item_bytes ? undefined : `${startedAt}\n${json}`;
  }
}

/**
 * The TTL the hints give, as the subgraph's `cache-control` response header allows it: `no-store`
 * or `no-cache` keep nothing, nor does `private` for an answer kept for everyone (`scope` ''), and
 * `s-maxage` (else `max-age`) shortens it, never lengthens it. 0: keep nothing.
 */
export function subgraphTtlMs(ttlMs: number, scope: string, cacheControl: string | undefined): number {
  if (cacheControl === undefined) return ttlMs;
  const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache' || (d === 'private' && scope === ''))) return 0;
  const age = (name: string) => {
    const directive = directives.find((d) => d.startsWith(`${name}=`));
    const seconds = directive === undefined ? NaN : Number(directive.slice(name.length + 1).replace(/^"|"$/g, ''));
    return Number.isInteger(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
  };
  const limit = age('s-maxage') ?? age('max-age');
  return limit === undefined ? ttlMs : Math.min(ttlMs, limit);
}

/** The JSON of a cached value written after every stamp guarding it, else undefined. */
function fresh(value: string | undefined, guards: readonly number[], values: ReadonlyArray<string | undefined>): string | undefined {
  if (value === undefined) return undefined;
  const newline = value.indexOf('\n');
  if (newline < 0) return undefined;
  const writtenAt = Number(value.slice(0, newline));
  for (const at of guards) {
    const stamp = values[at];
    if (stamp !== undefined && !(writtenAt > Number(stamp))) return undefined;
  }
  return value.slice(newline + 1);
}

/** The hook the executor of `supergraph` gets. */
export function graphCache(cache: EdgeCache, supergraph: ParsedSupergraph, logger: Logger): GraphCache {
  return new GraphCache({ cache, schema: supergraph.schema, hints: CacheHints.fromSupergraph(supergraph.document), keys: new EntityKeys(supergraph.document), logger });
}
