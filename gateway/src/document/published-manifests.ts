// Trusted-document manifests published to Redis (`tollgate operations publish`), versioned per
// client, so a new app release adds its operations to running gateways without a restart.
//   <prefix>pq:clients                 SET    client names that have published
//   <prefix>pq:{<client>}:versions     HASH   version (1, 2, …) → the manifest (Apollo format, JSON)
//   <prefix>pq:published               channel "<client> <version>" after each publish
// A version is written whole by one script (HLEN + HSET), so a reader sees it entirely or not at
// all; versions are never changed or deleted, so a gateway only ever reads the ones it lacks.
import type { Redis } from 'ioredis';
import type { ManifestEntry } from './manifest.ts';

/** A client name as publish takes it: what goes into a key (its hash tag) and a log line. */
export const CLIENT_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function clientsKey(prefix: string): string {
  return `${prefix}pq:clients`;
}

export function versionsKey(prefix: string, client: string): string {
  return `${prefix}pq:{${client}}:versions`;
}

export function publishedChannel(prefix: string): string {
  return `${prefix}pq:published`;
}

// HLEN + 1 is the next version: versions are 1..n with no gaps, each written once.
const APPEND_VERSION = `local version = redis.call('HLEN', KEYS[1]) + 1
redis.call('HSET', KEYS[1], version, ARGV[1])
return version`;

/** The manifest text a version holds: Apollo's format, so the gateway reads it with parseManifest. */
export function manifestText(entries: readonly ManifestEntry[]): string {
  return JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: entries.map(({ id, body }) => ({ id, body })) });
}

/** Appends a version for `client` and announces it; returns its number. */
export async function publishVersion(redis: Redis, prefix: string, client: string, entries: readonly ManifestEntry[]): Promise<number> {
  await redis.sadd(clientsKey(prefix), client);
  const version = Number(await redis.eval(APPEND_VERSION, 1, versionsKey(prefix, client), manifestText(entries)));
  await redis.publish(publishedChannel(prefix), `${client} ${version}`);
  return version;
}

/** The versions of `client` after `after` (oldest first), as stored. */
export async function versionsAfter(redis: Redis, prefix: string, client: string, after: number): Promise<Array<{ version: number; text: string }>> {
  const key = versionsKey(prefix, client);
  const count = await redis.hlen(key);
  if (count <= after) return [];
  const numbers = Array.from({ length: count - after }, (_, i) => after + 1 + i);
  const texts = await redis.hmget(key, ...numbers.map(String));
  return numbers.flatMap((version, i) => (texts[i] == null ? [] : [{ version, text: texts[i] as string }]));
}

/** Every id → body published for any client so far (publish checks a new manifest against them). */
export async function publishedBodies(redis: Redis, prefix: string): Promise<Map<string, { body: string; where: string }>> {
  const bodies = new Map<string, { body: string; where: string }>();
  for (const client of await redis.smembers(clientsKey(prefix))) {
    for (const { version, text } of await versionsAfter(redis, prefix, client, 0)) {
      const operations = (JSON.parse(text) as { operations: Array<{ id: string; body: string }> }).operations;
      for (const { id, body } of operations) if (!bodies.has(id)) bodies.set(id, { body, where: `client ${client} version ${version}` });
    }
  }
  return bodies;
}
