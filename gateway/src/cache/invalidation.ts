// Invalidation: a stamp (the time of the invalidation, ms) under the entity's or the type's key
// (keys.ts); a cached value older than a stamp guarding it is a miss. Stamps are written to Redis
// (the shared store reads them there) and published on one channel, from which every instance's
// memory store takes them.
import type { RedisClient } from '../core/redis-client.ts';
import { canonicalJson, type CacheKeys } from './keys.ts';
import type { StoreEntry } from './store.ts';

/** What to invalidate: one entity of `type` by its key fields, or (no `key`) every entity and answer of `type`. */
export interface InvalidationTarget {
  readonly type: string;
  readonly key?: Readonly<Record<string, unknown>> | undefined;
}

/** Most targets one invalidation (admin request, subgraph extension) may name. */
export const MAX_TARGETS = 1000;

const TYPE_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,127}$/;

/** The channel invalidations are published on. */
export function invalidationChannel(keyPrefix: string): string {
  return `${keyPrefix}cache:invalidations`;
}

/** The stamps of `targets` at `now`, each remembered `ttlMs` (the longest any value may live). */
export function stampsOf(keys: CacheKeys, targets: readonly InvalidationTarget[], now: number, ttlMs: number): StoreEntry[] {
  const value = String(now);
  const stamps: StoreEntry[] = [];
  for (const { type, key } of targets) {
    if (key === undefined) {
      stamps.push({ key: keys.typeStamp(type), value, ttlMs });
    } else {
      stamps.push({ key: keys.entityStamp(type, canonicalJson(key)), value, ttlMs });
      stamps.push({ key: keys.rootsStamp(type), value, ttlMs });
    }
  }
  return stamps;
}

/** Writes stamps to Redis and publishes them (one round trip: a MULTI of the SETs and the PUBLISH on a single server). */
export async function publishStamps(redis: RedisClient, keyPrefix: string, stamps: readonly StoreEntry[]): Promise<void> {
  if (stamps.length === 0) return;
  const pipeline = redis.pipeline();
  for (const { key, value, ttlMs } of stamps) pipeline.set(key, value, 'PX', ttlMs);
  pipeline.publish(invalidationChannel(keyPrefix), JSON.stringify(stamps.map((s) => [s.key, s.value, s.ttlMs])));
  const results = await pipeline.exec();
  const failed = results?.find(([error]) => error !== null);
  if (failed) throw failed[0];
}

/** The stamps of a published message; [] for anything malformed. */
export function parseStampMessage(message: string): StoreEntry[] {
  try {
    const list: unknown = JSON.parse(message);
    if (!Array.isArray(list)) return [];
    return list.flatMap((item) =>
      Array.isArray(item) && typeof item[0] === 'string' && typeof item[1] === 'string' && typeof item[2] === 'number' ? [{ key: item[0], value: item[1], ttlMs: item[2] }] : [],
    );
  } catch {
    return [];
  }
}

/**
 * Targets from a list of entities (`[{ "__typename": "Product", "upc": "p1" }]`: the subgraph
 * extension `invalidateEntities` and the admin endpoint's `entities`); an item of `__typename`
 * alone invalidates the type. Throws a message naming the first bad item.
 */
export function targetsFromEntities(listed: unknown): InvalidationTarget[] {
  if (!Array.isArray(listed)) throw new TypeError('expected a list of entities ({ "__typename": …, key fields })');
  if (listed.length > MAX_TARGETS) throw new TypeError(`at most ${MAX_TARGETS} entities at once`);
  return listed.map((item, index) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new TypeError(`entity ${index}: expected an object`);
    const { __typename: type, ...key } = item as Record<string, unknown>;
    if (typeof type !== 'string' || !TYPE_NAME.test(type)) throw new TypeError(`entity ${index}: "__typename" must be a type name`);
    return Object.keys(key).length === 0 ? { type } : { type, key };
  });
}

/**
 * The targets of a POST /cache/invalidate body: `{ "type": "Product", "key": { "upc": "p1" } }`
 * (one entity), `{ "type": "Product" }` (the type), or `{ "entities": [ … ] }` (as the subgraph
 * extension). Throws a TypeError naming what is wrong.
 */
export function targetsFromRequest(body: unknown): InvalidationTarget[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new TypeError('expected a JSON object: { "type", "key"? } or { "entities": [...] }');
  const { type, key, entities, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new TypeError(`unknown field "${unknown[0]}": expected type and key, or entities`);
  if (entities !== undefined) {
    if (type !== undefined || key !== undefined) throw new TypeError('send either entities or type (and key), not both');
    return targetsFromEntities(entities);
  }
  if (typeof type !== 'string' || !TYPE_NAME.test(type)) throw new TypeError('type: expected a type name, e.g. "Product"');
  if (key === undefined) return [{ type }];
  if (key === null || typeof key !== 'object' || Array.isArray(key) || Object.keys(key).length === 0) throw new TypeError('key: expected the entity\'s key fields as an object, e.g. { "upc": "p1" }');
  return [{ type, key: key as Record<string, unknown> }];
}
