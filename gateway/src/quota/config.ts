import { isIP } from 'node:net';
import { z } from 'zod';
import { configBoolean, configNumber } from '../core/config-values.ts';

const allowance = z.strictObject({
  /** Requests (or cost points) per window; also the burst a client may spend at once. */
  limit: configNumber(z.number().int().positive()),
  /** The window in seconds: an empty bucket is full again after this long (refilled continuously). */
  window_s: configNumber(z.number().positive()),
});

const limits = z.strictObject({
  /** Request rate: each request takes 1. */
  requests: allowance.optional(),
  /** Cost budget: each request takes its estimated cost, refunded down to its actual cost. */
  cost: allowance.optional(),
});

const keyPart = z.enum(['client', 'user', 'ip', 'operation']);

const rule = limits.extend({
  /** Names the rule's policies in headers ("<name>.requests"); optional when there is one rule. */
  name: z.string().regex(/^[a-z0-9_-]+$/i, 'letters, digits, "_" and "-" only').optional(),
  /**
   * Who is counted: the parts that make the quota key, e.g. [client] or [user, operation].
   * A missing client or user (anonymous request) is counted by client IP instead.
   */
  key: z.array(keyPart).min(1).default(['client']),
  /** Limits per client profile (mobile, web, partner, anonymous, ...), replacing the rule's. */
  profiles: z.record(z.string(), limits).default({}),
  /** Limits per client id, replacing the profile's and the rule's. */
  clients: z.record(z.string(), limits).default({}),
});

/** `quotas`: per-client rate limits and cost budgets, enforced before any subgraph is called. */
export const quotasConfigSchema = z
  .strictObject({
    /** When the quota store (Redis) fails: fail_open admits under local per-instance limits; fail_closed answers 503. */
    on_store_failure: z.enum(['fail_open', 'fail_closed']).default('fail_open'),
    /** Proxies whose X-Forwarded-For is believed (IPs or CIDRs). Default none: the socket address is the client IP. */
    trusted_proxies: z.array(z.string().refine(isAddressOrCidr, 'expected an IP address or CIDR, e.g. 10.0.0.0/8')).default([]),
    rules: z.array(rule).default([]),
  })
  .superRefine((quotas, ctx) => {
    if (quotas.rules.length > 1) {
      quotas.rules.forEach((r, i) => {
        if (r.name === undefined) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: 'required when there is more than one rule' });
      });
    }
    const names = quotas.rules.map((r) => r.name).filter((n) => n !== undefined);
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['rules'], message: 'rule names must be unique' });
  });

/** The URL, or undefined when it is not one. */
function urlOf(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A redis:// or rediss:// URL of a server: host, optional port, user and password; no query string. */
const serverUrl = (what: string) =>
  z.string().refine((u) => {
    const url = urlOf(u);
    return url !== undefined && (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && url.search === '' && url.hash === '';
  }, `expected ${what}: redis://[user:password@]host[:port] or rediss://… for TLS`);

/** Cluster nodes hold database 0 only: a URL naming another is a mistake. */
const clusterNodeUrl = serverUrl('a cluster node URL').refine((u) => ['', '/', '/0'].includes(urlOf(u)?.pathname ?? ''), 'a Redis Cluster has database 0 only: no /<db> path');

const clusterSchema = z
  .strictObject({
    /** Some of the cluster's nodes (the rest are discovered from them); credentials and TLS (rediss://) from their URLs. */
    nodes: z.array(clusterNodeUrl).min(1, 'at least one node URL'),
  })
  .superRefine((cluster, ctx) => {
    // One set of credentials and one scheme for every connection the client opens (it opens some to discovered nodes).
    const urls = cluster.nodes.map(urlOf);
    const first = urls[0];
    if (first === undefined || urls.includes(undefined)) return; // already reported
    urls.forEach((url, i) => {
      if (url!.protocol !== first.protocol) ctx.addIssue({ code: 'custom', path: ['nodes', i], message: `every node URL needs the same scheme (${first.protocol}//): TLS is one setting for the cluster` });
      else if (url!.username !== first.username || url!.password !== first.password) {
        ctx.addIssue({ code: 'custom', path: ['nodes', i], message: 'every node URL needs the same user and password (or none): they are one setting for the cluster' });
      }
    });
  });

const sentinelSchema = z.strictObject({
  /** The master's name as the sentinels know it (`sentinel monitor <name> …`). */
  name: z.string().min(1, 'the master name the sentinels monitor'),
  /** The sentinels' URLs (port 26379 unless given); a user and password in them are the sentinels' own, rediss:// = TLS to them. */
  nodes: z.array(serverUrl('a sentinel URL')).min(1, 'at least one sentinel URL'),
  /** The master's (and replicas') ACL user; default none. */
  username: z.string().optional(),
  /** The master's password, e.g. `${REDIS_PASSWORD}`; default none. */
  password: z.string().optional(),
  /** TLS to the master; default false. */
  tls: configBoolean().default(false),
});

/**
 * `redis`: the shared quota store (and APQ, published manifests, the schema registry). One of
 * `url` (one server), `cluster` (Redis Cluster) or `sentinel` (a master found through Sentinel);
 * none means the embedded in-memory store (one instance).
 */
export const redisConfigSchema = z.strictObject({
  /** redis:// or rediss:// URL; default empty (embedded store). */
  url: z.string().refine((u) => u === '' || /^rediss?:\/\//.test(u), 'expected a redis:// or rediss:// URL, or empty').default(''),
  /** A Redis Cluster instead of one server: `{ nodes: [redis://host:port, …] }`. */
  cluster: clusterSchema.optional(),
  /** A master found through Sentinel instead of one server: `{ name, nodes, username?, password?, tls? }`. */
  sentinel: sentinelSchema.optional(),
  /** Every key starts with this; default "tollgate:". */
  key_prefix: z.string().default('tollgate:'),
  /**
   * How long a quota check waits for Redis before the request is decided under `on_store_failure`.
   * Event-loop lag of this process is not counted (a busy gateway is not a slow Redis). Default 500 ms.
   */
  timeout_ms: configNumber(z.number().int().positive()).default(500),
  /** Consecutive checks past `timeout_ms` that mark Redis failed (a connection error does at once). Default 3. */
  failure_threshold: configNumber(z.number().int().positive()).default(3),
  /** While Redis is marked failed, how often a PING checks whether it is back. Default 500 ms. */
  probe_interval_ms: configNumber(z.number().int().positive()).default(500),
  /**
   * Start-up: how long `/ready` stays 503 waiting for the first connection to Redis (and the script
   * loaded on it); past it the gateway turns ready under `on_store_failure`. 0 = do not wait. Default 10000.
   */
  ready_wait_ms: configNumber(z.number().int().nonnegative()).default(10_000),
}).superRefine((redis, ctx) => {
  const chosen = (['url', 'cluster', 'sentinel'] as const).filter((key) => (key === 'url' ? redis.url !== '' : redis[key] !== undefined));
  if (chosen.length > 1) {
    ctx.addIssue({ code: 'custom', path: [chosen[1]!], message: `set only one of redis.url, redis.cluster, redis.sentinel (here: ${chosen.map((key) => `redis.${key}`).join(' and ')})` });
  }
});

export type QuotasConfig = z.infer<typeof quotasConfigSchema>;
export type QuotaRuleConfig = QuotasConfig['rules'][number];
export type RedisConfig = z.infer<typeof redisConfigSchema>;
export type QuotaKeyPart = z.infer<typeof keyPart>;

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}
