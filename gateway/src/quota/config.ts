import { isIP } from 'node:net';
import { z } from 'zod';
import { configNumber } from '../core/config-values.ts';

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

/** `redis`: the shared quota store. An empty url means the embedded in-memory store (one instance). */
export const redisConfigSchema = z.strictObject({
  /** redis:// or rediss:// URL; default empty (embedded store). */
  url: z.string().refine((u) => u === '' || /^rediss?:\/\//.test(u), 'expected a redis:// or rediss:// URL, or empty').default(''),
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
