// The schema registry's storage in Redis. Every key shares the hash tag {registry}, so the one
// script that writes runs on Redis Cluster too:
//   <prefix>{registry}:current       STRING  the current version number (absent: nothing published yet)
//   <prefix>{registry}:version:<n>   STRING  version n's record (JSON): supergraph SDL, its hash,
//                                            the subgraphs (name, routing URL, SDL), time, identity,
//                                            action (publish | rollback), forced, the changes
//   <prefix>{registry}:history       LIST    one summary per version (JSON, no SDL), oldest first
//   <prefix>registry:published       channel the new version's number, after each write
// Versions are only ever added: a rollback is a new version holding an older one's subgraphs, so
// the history is the audit log. A write names the version it was built on; the script refuses it
// when another write came first (compare-and-set), and the writer re-reads and tries again.
import { createHash } from 'node:crypto';
import type { RedisClient } from '../core/redis-client.ts';

export interface RegisteredSubgraph {
  name: string;
  routingUrl: string;
  sdl: string;
}

export interface VersionSummary {
  version: number;
  /** SHA-256 of the supergraph SDL (hex). */
  hash: string;
  /** ISO 8601. */
  createdAt: string;
  /** The admin token's name that wrote it. */
  identity: string;
  action: 'publish' | 'rollback';
  /** publish: the subgraph published. */
  subgraph?: string;
  /** publish: accepted despite breaking changes (`--force`). */
  forced: boolean;
  /** rollback: the version whose subgraphs it restored. */
  rolledBackTo?: number;
  /** Free text from the publisher (e.g. commit and CI run), at most 200 characters. */
  note?: string;
  /** Counts of the changes against the version before. */
  changes?: { breaking: number; dangerous: number; safe: number };
}

export interface VersionRecord extends VersionSummary {
  supergraph: string;
  subgraphs: RegisteredSubgraph[];
  /** Breaking changes accepted by a forced publish (kind and coordinate), for the audit log. */
  breakingChanges?: Array<{ kind: string; coordinate: string; subgraphs: string[] }>;
}

/** Largest version record read back (a supergraph with its subgraphs' SDLs). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export function currentKey(prefix: string): string {
  return `${prefix}{registry}:current`;
}

export function versionKey(prefix: string, version: number): string {
  return `${prefix}{registry}:version:${version}`;
}

export function historyKey(prefix: string): string {
  return `${prefix}{registry}:history`;
}

export function registryChannel(prefix: string): string {
  return `${prefix}registry:published`;
}

export function supergraphHash(sdl: string): string {
  return createHash('sha256').update(sdl).digest('hex');
}

// KEYS: current, history, the new version's key. ARGV: the version it was built on (0: none),
// the record, the summary, the channel. Replies { 'written', n } or { 'conflict', current }.
const WRITE_SCRIPT = `local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current ~= tonumber(ARGV[1]) then return { 'conflict', current } end
local version = current + 1
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SET', KEYS[1], version)
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], version)
return { 'written', version }`;
const WRITE_SHA = createHash('sha1').update(WRITE_SCRIPT).digest('hex');

export class RegistryStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  /** The current version number; 0 when nothing was published yet. */
  async currentVersion(): Promise<number> {
    return Number((await this.redis.get(currentKey(this.prefix))) ?? 0);
  }

  /** The current version's record; undefined when nothing was published yet. */
  async current(): Promise<VersionRecord | undefined> {
    const version = await this.currentVersion();
    return version === 0 ? undefined : this.version(version);
  }

  async version(version: number): Promise<VersionRecord | undefined> {
    if (!Number.isSafeInteger(version) || version < 1) return undefined;
    const key = versionKey(this.prefix, version);
    const length = await this.redis.strlen(key);
    if (length > MAX_RECORD_BYTES) throw new Error(`registry version ${version} is ${length} bytes, over ${MAX_RECORD_BYTES}`);
    const text = await this.redis.get(key);
    return text === null ? undefined : (JSON.parse(text) as VersionRecord);
  }

  /** The newest `limit` summaries, newest first. */
  async history(limit: number): Promise<VersionSummary[]> {
    const texts = await this.redis.lrange(historyKey(this.prefix), -limit, -1);
    return texts.map((text) => JSON.parse(text) as VersionSummary).reverse();
  }

  /**
   * Writes `record` as version `basedOn + 1` if the current version is still `basedOn`, and
   * announces it. Returns the version written, or `{ conflict }` with the version that came first.
   */
  async write(basedOn: number, record: Omit<VersionRecord, 'version'>): Promise<{ written: number } | { conflict: number }> {
    const version = basedOn + 1;
    const full: VersionRecord = { ...record, version };
    const { supergraph: _supergraph, subgraphs: _subgraphs, breakingChanges: _breaking, ...summary } = full;
    const keys = [currentKey(this.prefix), historyKey(this.prefix), versionKey(this.prefix, version)];
    const args = [String(basedOn), JSON.stringify(full), JSON.stringify(summary), registryChannel(this.prefix)];
    let reply: [string, number];
    try {
      reply = (await this.redis.evalsha(WRITE_SHA, keys.length, ...keys, ...args)) as typeof reply;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      reply = (await this.redis.eval(WRITE_SCRIPT, keys.length, ...keys, ...args)) as typeof reply;
    }
    return reply[0] === 'written' ? { written: Number(reply[1]) } : { conflict: Number(reply[1]) };
  }
}
