// Trusted-document manifests published to Redis (`tollgate operations publish`), versioned per
// client, so a new app release adds its operations to running gateways without a restart.
//   <prefix>{pq}:clients               SET    client names that have published
//   <prefix>{pq}:ids                   HASH   canonical id → "<sha256 of its body> <client> <version>" (first publish)
//   <prefix>{pq}:versions:<client>     HASH   version (1, 2, …) → the manifest (Apollo format, JSON)
//   <prefix>pq:published               channel "<client> <version>" after each publish
// One script checks a manifest against every id published so far (one id, one body; at most
// `max_documents` in all, the publishing config's manifest files' ids counted too; at least one id
// not published yet) and, only if it passes, writes the version, its ids and the announcement:
// two publishes racing cannot both pass the check. The keys share the hash tag {pq}, so the script
// runs on Redis Cluster too. Versions are never changed or deleted, so a gateway only ever reads the
// ones it lacks.
import { createHash } from 'node:crypto';
import type { RedisClient } from '../core/redis-client.ts';
import { canonicalId, sameIdOtherBody, tooManyDocuments, type ManifestError, type ManifestEntry } from './manifest.ts';

/** A client name as publish takes it: what goes into a key and a log line. */
export const CLIENT_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function clientsKey(prefix: string): string {
  return `${prefix}{pq}:clients`;
}

export function idsKey(prefix: string): string {
  return `${prefix}{pq}:ids`;
}

export function versionsKey(prefix: string, client: string): string {
  return `${prefix}{pq}:versions:${client}`;
}

export function publishedChannel(prefix: string): string {
  return `${prefix}pq:published`;
}

// KEYS: clients, ids, the client's versions. ARGV: client, manifest text, max documents, channel,
// k, then k ids gateways hold besides the published ones (their manifest files' ids not in this
// manifest: they count towards max documents unless published too), then id and body hash pairs.
// Every id canonical (canonicalId), so one document has one field in the ids hash.
// Replies { 'conflict', id, "<client> <version>" }, { 'unchanged', "<client> <version>", … } (every
// id already published with the same body: no version is written; the places that hold them),
// { 'too_many', total } or { 'published', version, new ids }. HLEN + 1 is the next version:
// versions are 1..n with no gaps, each written once.
const PUBLISH_SCRIPT = `local fresh = {}
local places, holders = {}, {}
local k = tonumber(ARGV[5])
local elsewhere = 0
for i = 6, 5 + k do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then elsewhere = elsewhere + 1 end
end
for i = 6 + k, #ARGV, 2 do
  local known = redis.call('HGET', KEYS[2], ARGV[i])
  if known then
    local place = string.sub(known, 66)
    if string.sub(known, 1, 64) ~= ARGV[i + 1] then return { 'conflict', ARGV[i], place } end
    if not holders[place] then
      holders[place] = true
      places[#places + 1] = place
    end
  else
    fresh[#fresh + 1] = i
  end
end
if #fresh == 0 then return { 'unchanged', unpack(places) } end
local total = redis.call('HLEN', KEYS[2]) + #fresh + elsewhere
if total > tonumber(ARGV[3]) then return { 'too_many', total } end
local version = redis.call('HLEN', KEYS[3]) + 1
for _, i in ipairs(fresh) do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1] .. ' ' .. ARGV[1] .. ' ' .. version)
end
redis.call('HSET', KEYS[3], version, ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[4], ARGV[1] .. ' ' .. version)
return { 'published', version, #fresh }`;
const PUBLISH_SHA = createHash('sha1').update(PUBLISH_SCRIPT).digest('hex');

/** The manifest text a version holds: Apollo's format, so the gateway reads it with parseManifest. */
export function manifestText(entries: readonly ManifestEntry[]): string {
  return JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: entries.map(({ id, body }) => ({ id, body })) });
}

export type PublishOutcome =
  | { published: true; unchanged?: false; version: number; fresh: number }
  /** Every id already published with its body: no version written. `heldBy`: the versions that first published them, by client and version. */
  | { published: false; unchanged: true; heldBy: Array<{ client: string; version: number }> }
  | { published: false; unchanged?: false; refusal: ManifestError };

/**
 * Appends a version for `client` and announces it, unless an id is already published with another
 * body or the ids would number more than `maxDocuments` (then nothing is written: the refusal says
 * why as a gateway would), or every id is already published with its body (then nothing is written
 * either: a version adding nothing would only make gateways read it). One EVALSHA, an EVAL where
 * Redis does not hold the script yet.
 */
export async function publishVersion(
  redis: RedisClient,
  prefix: string,
  client: string,
  given: readonly ManifestEntry[],
  maxDocuments: number,
  source: string,
  /** Ids gateways hold besides the published ones (the config's manifest files' ids not in `entries`): each not published too counts towards `maxDocuments`. */
  heldElsewhere: readonly string[] = [],
): Promise<PublishOutcome> {
  const entries = given.map((entry) => ({ ...entry, id: canonicalId(entry.id) }));
  const keys = [clientsKey(prefix), idsKey(prefix), versionsKey(prefix, client)];
  const args = [client, manifestText(entries), String(maxDocuments), publishedChannel(prefix), String(heldElsewhere.length), ...heldElsewhere.map(canonicalId)];
  for (const { id, body } of entries) args.push(id, createHash('sha256').update(body).digest('hex'));
  let reply: [string, ...Array<string | number>];
  try {
    reply = (await redis.evalsha(PUBLISH_SHA, keys.length, ...keys, ...args)) as typeof reply;
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    reply = (await redis.eval(PUBLISH_SCRIPT, keys.length, ...keys, ...args)) as typeof reply;
  }
  const [kind, first, second] = reply;
  if (kind === 'published') return { published: true, version: Number(first), fresh: Number(second) };
  if (kind === 'too_many') return { published: false, refusal: tooManyDocuments(source, Number(first), maxDocuments) };
  if (kind === 'unchanged') return { published: false, unchanged: true, heldBy: reply.slice(1).map(placeOf).sort((a, b) => a.client.localeCompare(b.client) || a.version - b.version) };
  const entry = entries.find(({ id }) => id === first) as ManifestEntry;
  const { client: knownClient, version: knownVersion } = placeOf(second as string);
  return { published: false, refusal: sameIdOtherBody(entry, `redis client ${knownClient} version ${knownVersion}`) };
}

/** "<client> <version>" as the ids hash records where an id was first published. */
function placeOf(place: string | number): { client: string; version: number } {
  const [client = '', version] = String(place).split(' ');
  return { client, version: Number(version) };
}

/** The versions of `client` after `after` (oldest first), as stored. */
export async function versionsAfter(redis: RedisClient, prefix: string, client: string, after: number): Promise<Array<{ version: number; text: string }>> {
  const key = versionsKey(prefix, client);
  const count = await redis.hlen(key);
  if (count <= after) return [];
  const numbers = Array.from({ length: count - after }, (_, i) => after + 1 + i);
  const texts = await redis.hmget(key, ...numbers.map(String));
  return numbers.flatMap((version, i) => (texts[i] == null ? [] : [{ version, text: texts[i] as string }]));
}
