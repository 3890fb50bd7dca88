import { z } from 'zod';
import { configBoolean, configNumber, listenAddress } from '../core/config-values.ts';

/**
 * `supergraph.registry`: follow the schema registry (`tollgate publish`) kept in Redis (`redis.url`,
 * under `redis.key_prefix`): pub/sub announces each new version, a poll every
 * `supergraph.poll_interval_ms` catches what a dropped subscription missed.
 */
const registrySourceSchema = z.strictObject({
  /** Deadline of each Redis command reading the registry; default 2000 ms. */
  timeout_ms: configNumber(z.number().int().positive()).default(2_000),
});

/** `supergraph`: where the schema comes from — a composed SDL file, a supergraph.yaml composed at start-up, or the registry. */
export const supergraphConfigSchema = z
  .strictObject({
    /** Path to a supergraph SDL file (output of `tollgate compose` or `rover supergraph compose`). */
    file: z.string().min(1).optional(),
    /** Path to a rover-format supergraph.yaml, composed when the gateway starts. */
    compose: z.string().min(1).optional(),
    /** Follow the registry in Redis (needs redis.url); `registry: {}` takes the defaults. */
    registry: registrySourceSchema.optional(),
    /** Timeout for introspecting `schema.subgraph_url` entries while composing; default 10000 ms. */
    introspection_timeout_ms: configNumber(z.number().int().positive()).default(10_000),
    /**
     * Hot reload: watch `file` (or re-compose `compose` every `poll_interval_ms`, or follow the
     * registry) and swap to a new supergraph without dropping a request; an invalid one is refused
     * and logged. Default true.
     */
    watch: configBoolean().default(true),
    /** How often `compose` is re-composed (or the registry read, besides pub/sub); default 10000 ms. */
    poll_interval_ms: configNumber(z.number().int().positive()).default(10_000),
  })
  .refine((s) => [s.file, s.compose, s.registry].filter((source) => source !== undefined).length === 1, {
    message: 'set exactly one of supergraph.file, supergraph.compose or supergraph.registry',
  });

export type SupergraphConfig = z.infer<typeof supergraphConfigSchema>;

export const ADMIN_ROLES = ['read', 'publish', 'force', 'rollback', 'invalidate'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

const adminTokenSchema = z.strictObject({
  /** Who this token is: recorded as the identity of every version it publishes or rolls back. */
  name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'expected 1 to 64 letters, digits, ".", "_", "@" or "-"'),
  /** The bearer token (from the environment: `${TOLLGATE_PUBLISH_TOKEN}`); at least 16 characters. */
  token: z.string().min(16, 'at least 16 characters'),
  /** What it may do: read (current, history), publish, force (publish despite breaking changes), rollback, invalidate (the edge cache: POST /cache/invalidate). */
  roles: z.array(z.enum(ADMIN_ROLES)).min(1),
  /** The subgraphs it may publish (a service team's CI token); default any. */
  subgraphs: z.array(z.string().min(1)).min(1).optional(),
});

/**
 * `admin`: the registry's HTTP API on a listener of its own, off by default. It stores versions in
 * Redis (`redis.url`, `redis.key_prefix`), so any instance with it serves the same registry.
 */
export const adminConfigSchema = z
  .strictObject({
    /** host:port of the admin listener; default none (off). Keep it off the public network. */
    listen: listenAddress().optional(),
    /** Bearer tokens and their roles; at least one when `listen` is set. */
    tokens: z.array(adminTokenSchema).default([]),
    /** Largest request body (a subgraph SDL and its fields); default 5000000 bytes. */
    max_body_bytes: configNumber(z.number().int().positive()).default(5_000_000),
    /** A publish that loses a race re-reads, recomposes and re-checks this many times before 409; default 5. */
    publish_attempts: configNumber(z.number().int().min(1).max(50)).default(5),
    /** Deadline of each Redis command of the registry; default 5000 ms (a publish is rare, a record large). */
    redis_timeout_ms: configNumber(z.number().int().positive()).default(5_000),
  })
  .superRefine((admin, ctx) => {
    if (admin.listen !== undefined && admin.tokens.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['tokens'], message: 'admin.listen is set but there is no token: nobody could use it' });
    }
    const seen = new Set<string>();
    for (const [index, { name, token }] of admin.tokens.entries()) {
      if (seen.has(name)) ctx.addIssue({ code: 'custom', path: ['tokens', index, 'name'], message: `"${name}" names two tokens` });
      if (seen.has(`token:${token}`)) ctx.addIssue({ code: 'custom', path: ['tokens', index, 'token'], message: 'the same token as another entry' });
      seen.add(name).add(`token:${token}`);
    }
  });

export type AdminConfig = z.infer<typeof adminConfigSchema>;
