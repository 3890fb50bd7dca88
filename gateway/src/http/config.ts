import { z } from 'zod';
import { configNumber, configBoolean, corsOriginFields, listenAddress } from '../core/config-values.ts';

/** Most worker processes `server.workers` / `--workers` may ask for. */
export const MAX_WORKERS = 256;

/** `server.workers`: 1..MAX_WORKERS or "auto", numbers also as text (e.g. from `${WORKERS}`). */
function workersValue() {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    z.union([z.literal('auto'), z.number().int().min(1).max(MAX_WORKERS)], {
      error: `expected a whole number from 1 to ${MAX_WORKERS}, or "auto"`,
    }),
  );
}

/** `server`: where the gateway listens and which paths it answers. */
export const serverConfigSchema = z.strictObject({
  /** host:port to listen on; default 0.0.0.0:4000 (the demo sets PORT). */
  listen: listenAddress().default('0.0.0.0:4000'),
  /** GraphQL endpoint path; default /graphql. */
  graphql_path: z.string().startsWith('/').default('/graphql'),
  /** Liveness path: 200 while the process runs; default /health. */
  health_path: z.string().startsWith('/').default('/health'),
  /** Readiness path: 200 once the supergraph is loaded, 503 before; default /ready. */
  ready_path: z.string().startsWith('/').default('/ready'),
  /** Allow schema introspection queries; default true. */
  introspection: configBoolean().default(true),
  /**
   * Keep graphql-js's "Did you mean …?" hints in validation errors; default: as `introspection`.
   * With introspection off they would leak the schema one guess at a time (`emial` → `email`).
   */
  suggestions: configBoolean().optional(),
  /**
   * Shutdown (SIGTERM/SIGINT): `/ready` answers 503 at once and the gateway keeps serving for this
   * long, so a load balancer takes it out of rotation before it stops accepting; default 5000 ms.
   */
  shutdown_drain_ms: configNumber(z.number().int().nonnegative()).default(5_000),
  /** Then requests still in flight get this long to finish before connections are cut; default 25000 ms. */
  shutdown_timeout_ms: configNumber(z.number().int().nonnegative()).default(25_000),
  /**
   * Slow-loris bounds: a client gets this long to send its request headers (default 10000 ms) and
   * its whole request (default 30000 ms) before the listener answers 408 and closes the connection.
   */
  headers_timeout_ms: configNumber(z.number().int().min(1_000).max(600_000)).default(10_000),
  request_timeout_ms: configNumber(z.number().int().min(1_000).max(3_600_000)).default(30_000),
  /** Put error stacks and subgraph error detail into responses; default false. Never in production. */
  debug: configBoolean().default(false),
  /**
   * Worker processes serving the one listener (`tollgate serve --workers` overrides it): a whole
   * number from 1 to MAX_WORKERS, or "auto" (one per core the process may use); default 1.
   */
  workers: workersValue().default(1),
}).refine((server) => server.request_timeout_ms >= server.headers_timeout_ms, {
  path: ['request_timeout_ms'],
  message: 'must be at least server.headers_timeout_ms (the whole request includes its headers)',
});

/** `csrf`: Apollo's CSRF prevention (a GET or simple POST must carry a non-simple header); as router.yaml. */
export const csrfConfigSchema = z.strictObject({
  /** Turn CSRF prevention off; default false. Only for APIs no browser talks to with cookies. */
  unsafe_disabled: configBoolean().default(false),
});

/** An HTTP header name in a CORS list (`allow_headers`, `expose_headers`). */
const headerToken = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name');

/**
 * `cors`: which browser origins may call the gateway, as router.yaml's `cors` block. Default: no
 * origin at all, so no CORS header is ever sent and browsers keep pages of other origins out
 * (same-origin only). A client profile may set its own origins (`clients.profiles.<name>.cors`).
 */
export const corsConfigSchema = z
  .strictObject({
    ...corsOriginFields(),
    /** Any origin (`access-control-allow-origin: *`): a public API; never with credentials. Default false. */
    allow_any_origin: configBoolean().default(false),
    /** `access-control-allow-credentials: true`: pages may send cookies and read the answer. Default false. */
    allow_credentials: configBoolean().default(false),
    /** Request headers a page may send; default none listed: the preflight's own list is allowed (as Apollo Router). */
    allow_headers: z.array(headerToken).default([]),
    /** Response headers a page may read besides the CORS-safelisted ones; default none. */
    expose_headers: z.array(headerToken).default([]),
    /** Methods a page may use; default GET, POST, OPTIONS. */
    methods: z.array(z.enum(['GET', 'POST', 'OPTIONS'])).min(1).default(['GET', 'POST', 'OPTIONS']),
    /** How long a browser may keep a preflight's answer (`access-control-max-age`), in seconds; default none (the browser's own, 5 s in Chrome). */
    max_age_s: configNumber(z.number().int().nonnegative()).optional(),
  })
  .superRefine((cors, ctx) => {
    if (cors.allow_any_origin && cors.allow_credentials) {
      ctx.addIssue({ code: 'custom', path: ['allow_credentials'], message: 'browsers refuse credentials with any origin (*): list the origins instead' });
    }
    if (cors.allow_any_origin && cors.origins.length + cors.match_origins.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['allow_any_origin'], message: 'set with origins or match_origins: keep one' });
    }
  });

/** `limits`: bounds that hostile input meets before any parsing work is spent on it. */
export const limitsConfigSchema = z.strictObject({
  /** Largest request body in bytes; larger gets 413. Default 2 MB, as Apollo Router. */
  http_max_request_bytes: configNumber(z.number().int().positive()).default(2_000_000),
  /** Most lexer tokens a document may have before parsing stops; default 15000, as Apollo Router. */
  parser_max_tokens: configNumber(z.number().int().positive()).default(15_000),
  // Stage 4's document limits, measured once per document with fragments expanded. The defaults
  // sit far above what real apps send (the demo's home screen: depth 6, 36 unique fields, no
  // aliases, 3 root fields; graphql-js's full introspection query: depth 15, 39 unique fields, one
  // root field) and far below what an attack needs (700 aliases made 1,400 subgraph calls).
  /** Deepest field nesting (a root field is 1); default 25: 10 above the introspection query (15), the deepest document a real client sends. */
  max_depth: positiveInt().default(25),
  /** Unique fields (`Type.field`; aliases of one field count once), as Apollo Router's max_height; default 200, Apollo's documented value. */
  max_height: positiveInt().default(200),
  /** Aliased fields, each fragment use counted; default 30, Apollo Router's documented value: aliases multiply subgraph calls. */
  max_aliases: positiveInt().default(30),
  /** Fields at the root, each fragment use counted; default 20, Apollo Router's documented value: each is a subgraph call. */
  max_root_fields: positiveInt().default(20),
  /** Directives on one field (or fragment spread); default 10: `@include`, `@skip`, `@defer` together need 3. */
  max_directives_per_field: positiveInt().default(10),
  /** Most subgraph fetches (fetch nodes) one query plan may make, checked before it runs (federation/); default 100: the demo's home screen needs 9. */
  max_subgraph_fetches: positiveInt().default(100),
  /** `limits.profiles.<profile>.max_depth` etc.: a client profile's own document limits over the ones above; default none. */
  profiles: z
    .record(
      z.string(),
      z.strictObject({
        max_depth: positiveInt().optional(),
        max_height: positiveInt().optional(),
        max_aliases: positiveInt().optional(),
        max_root_fields: positiveInt().optional(),
        max_directives_per_field: positiveInt().optional(),
      }),
    )
    .default({}),
});

function positiveInt() {
  return configNumber(z.number().int().positive());
}

export type ServerConfig = z.infer<typeof serverConfigSchema>;
export type CorsConfig = z.infer<typeof corsConfigSchema>;
export type LimitsConfig = z.infer<typeof limitsConfigSchema>;
