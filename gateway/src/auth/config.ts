import { z } from 'zod';
import { configNumber, configBoolean } from '../core/config-values.ts';

/** Signature algorithms a public key (JWKS or PEM/JWK file) may verify. `none` is never accepted. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
] as const;
/** Algorithms a shared secret (HMAC) may verify; only with `secret_env`, never with a public key. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];
export type JwsAlgorithm = AsymmetricAlgorithm | HmacAlgorithm;

const ALL_ALGORITHMS = [...ASYMMETRIC_ALGORITHMS, ...HMAC_ALGORITHMS] as const;

const algorithmList = z
  .array(
    z.enum(ALL_ALGORITHMS, {
      error: (issue) => `expected one of ${ALL_ALGORITHMS.join(', ')}; got ${JSON.stringify(issue.input)} ("none" is never accepted)`,
    }),
    {
      error: (issue) =>
        issue.input === undefined ? 'required: list the algorithms this key source signs with, e.g. [RS256]' : undefined,
    },
  )
  .min(1, 'list at least one algorithm');

const claimList = z.array(z.string().min(1)).default([]);
// Identity values go to subgraphs in headers (auth/identity.ts): no control characters, and a scope
// (scopes travel space-separated) no whitespace either.
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;
const SCOPE_VALUE = /^[^\s\u0000-\u001f\u007f-\u009f]+$/;
const headerName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case HTTP header name')
  .refine((name) => !['host', 'content-type', 'content-length', 'accept', 'connection'].includes(name), 'reserved header');

/** One JWKS endpoint (`authentication.jwt.jwks[]`), as router.yaml's `authentication.router.jwt.jwks`. */
const jwksSourceSchema = z.strictObject({
  /** JWKS URL (http or https). Fetched at start-up, then cached. */
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  /** Accepted `iss` values; empty (default) = any issuer. When set, `iss` is required. */
  issuers: claimList,
  /** Accepted `aud` values (any one matches); empty (default) = not checked. When set, `aud` is required. */
  audiences: claimList,
  /** Required allowlist of asymmetric algorithms (no default); HS* here is a config error. */
  algorithms: algorithmList,
  /** Keys older than this are re-fetched before use (served from cache if that fails); default 60 s. */
  poll_interval_s: configNumber(z.number().positive()).default(60),
  /** At most one fetch per this many seconds, whatever the cause (unknown `kid`, poll, cold cache); default 10 s. */
  cooldown_s: configNumber(z.number().nonnegative()).default(10),
  /** Deadline of one JWKS fetch; default 3000 ms. */
  timeout_ms: configNumber(z.number().int().positive()).default(3000),
}).superRefine((source, ctx) => {
  const hmac = source.algorithms.filter((a) => (HMAC_ALGORITHMS as readonly string[]).includes(a));
  if (hmac.length > 0) {
    ctx.addIssue({ code: 'custom', path: ['algorithms'], message: `${hmac.join(', ')} is for shared secrets; a JWKS holds public keys` });
  }
});

/** A local key (`authentication.jwt.keys[]`): a PEM/JWK/JWKS file, or an HMAC secret from an env var. */
const localKeySchema = z
  .strictObject({
    /** PEM (SPKI public key or X.509 certificate) or JSON (one JWK, or a JWKS); relative to the config file. */
    file: z.string().min(1).optional(),
    /** Name of the environment variable holding an HMAC secret (UTF-8, at least as long as the hash: 32/48/64 bytes). */
    secret_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name').optional(),
    /** Only tokens whose header `kid` equals this use the key; default: any `kid` (or none). */
    kid: z.string().min(1).optional(),
    issuers: claimList,
    audiences: claimList,
    algorithms: algorithmList,
  })
  .superRefine((key, ctx) => {
    if ((key.file === undefined) === (key.secret_env === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of file or secret_env' });
      return;
    }
    const hmac = key.algorithms.filter((a) => (HMAC_ALGORITHMS as readonly string[]).includes(a));
    if (key.file !== undefined && hmac.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: `${hmac.join(', ')} needs a shared secret (secret_env), not a key file` });
    }
    if (key.secret_env !== undefined && hmac.length !== key.algorithms.length) {
      ctx.addIssue({ code: 'custom', path: ['algorithms'], message: 'a secret_env key verifies HS256/HS384/HS512 only' });
    }
  });

/** `authentication.jwt`: bearer tokens (JWS compact) verified with jose. */
const jwtSchema = z
  .strictObject({
    /** Header carrying the token; default authorization. */
    header_name: headerName.default('authorization'),
    /** Scheme before the token (case-insensitive); default Bearer. Empty = the header is the bare token. */
    header_value_prefix: z.string().default('Bearer'),
    /** Also read the token from this cookie when no header is sent; default none. */
    cookie: z.string().regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'expected a cookie name').optional(),
    /** Leeway for `exp`, `nbf` and `iat` (an `iat` further in the future is refused), in seconds; default 30. */
    clock_tolerance_s: configNumber(z.number().int().nonnegative()).default(30),
    /**
     * Longest token life accepted, in seconds: a token issued (`iat`) longer ago than this, or whose
     * `exp - iat` (without `iat`: `exp - now`) is longer, is refused. Default 2592000 (30 days, the
     * longest access-token lifetime mainstream IdPs allow); 0 = off.
     */
    max_token_age_s: configNumber(z.number().int().nonnegative()).default(2_592_000),
    /** Required `typ` header (e.g. at+jwt); default not checked. */
    typ: z.string().min(1).optional(),
    /** Remote key sets; default none. */
    jwks: z.array(jwksSourceSchema).default([]),
    /** Local keys and secrets; default none. */
    keys: z.array(localKeySchema).default([]),
    /** Claim holding scopes: a space-separated string (OAuth `scope`) or an array (`scp`); default scope. */
    scope_claim: z.string().min(1).default('scope'),
    /** Claim naming the token's client profile (`clients.profiles`), a string; default none (the token's profile is `default`). */
    profile_claim: z.string().min(1).optional(),
    /** Claim holding the client id; default client_id (then `azp` when absent). */
    client_id_claim: z.string().min(1).default('client_id'),
    /** Claims copied to the Identity and sent to subgraphs as `<claim_header_prefix><claim>`; default none. */
    forward_claims: z.array(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected a claim name')).default([]),
    /** Verified tokens remembered (LRU, never past `exp`); default 10000, 0 = off. */
    verification_cache_size: configNumber(z.number().int().nonnegative()).default(10_000),
  })
  .refine((jwt) => jwt.jwks.length + jwt.keys.length > 0, { message: 'configure at least one key source (jwks or keys)' });

/** One API key (`authentication.api_keys.keys[]`): stored as its SHA-256, never in plain text. */
const apiKeySchema = z.strictObject({
  /** The client this key belongs to (sent to subgraphs as the client header). */
  client_id: z.string().min(1).regex(NO_CONTROL_CHARACTERS, 'control characters are not allowed'),
  /** SHA-256 of the key, 64 hex digits: `printf %s "$KEY" | sha256sum`. */
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected the SHA-256 of the key as 64 hex digits (never the key itself)'),
  /** Scopes granted to the key; default none. */
  scopes: z.array(z.string().min(1).regex(SCOPE_VALUE, 'a scope may not contain whitespace or control characters')).default([]),
  /** Client profile (stage 3) for this client, e.g. partner; default none. */
  profile: z.string().min(1).regex(NO_CONTROL_CHARACTERS, 'control characters are not allowed').optional(),
});

/** `authentication.api_keys`: partner and server-to-server keys. */
const apiKeysSchema = z.strictObject({
  /** Header carrying the key; default x-api-key. */
  header_name: headerName.default('x-api-key'),
  keys: z.array(apiKeySchema).min(1, 'list at least one key'),
});

/** Headers the gateway owns and sets on every subgraph request from the verified identity. */
const subgraphHeadersSchema = z.strictObject({
  /** default x-tollgate-sub: the token's `sub` */
  subject: headerName.default('x-tollgate-sub'),
  /** default x-tollgate-client: the client id (token claim or API key's client_id) */
  client: headerName.default('x-tollgate-client'),
  /** default x-tollgate-scopes: scopes, space-separated */
  scopes: headerName.default('x-tollgate-scopes'),
  /** default x-tollgate-profile: the API key's client profile */
  profile: headerName.default('x-tollgate-profile'),
  /** default x-tollgate-claim-: prefix for `jwt.forward_claims` */
  claim_prefix: headerName.default('x-tollgate-claim-'),
});

/**
 * `authentication`: stage 2 (identify). Off unless `jwt` or `api_keys` is set; anonymous requests are
 * allowed unless `required`. A credential that is sent but invalid is always refused (401).
 */
export const authenticationConfigSchema = z.strictObject({
  /** Refuse requests without a credential (401); default false (anonymous allowed). */
  required: configBoolean().default(false),
  /**
   * Failed authentications (401s) allowed per client IP (behind `quotas.trusted_proxies`), refilled
   * continuously over `window_s`; past it that IP's credentials get 429 before any verification.
   * Kept in the quota store (Redis when `redis.url` is set). Default { limit: 20, window_s: 60 }; false = off.
   */
  failure_limit: z
    .union([
      z.literal(false),
      z.strictObject({
        limit: configNumber(z.number().int().positive()),
        window_s: configNumber(z.number().positive()),
      }),
    ])
    .default({ limit: 20, window_s: 60 }),
  jwt: jwtSchema.optional(),
  api_keys: apiKeysSchema.optional(),
  subgraph_headers: subgraphHeadersSchema.prefault({}),
  /** Subgraphs that also receive the client's raw bearer token as `authorization`; default none. */
  forward_authorization: z.array(z.string().min(1)).default([]),
}).refine((auth) => !auth.required || auth.jwt !== undefined || auth.api_keys !== undefined, {
  path: ['required'],
  message: 'required: true needs jwt or api_keys configured',
});

export type AuthenticationConfig = z.infer<typeof authenticationConfigSchema>;
export type JwtConfig = z.infer<typeof jwtSchema>;
export type JwksSourceConfig = z.infer<typeof jwksSourceSchema>;
export type LocalKeyConfig = z.infer<typeof localKeySchema>;
export type ApiKeysConfig = z.infer<typeof apiKeysSchema>;
export type SubgraphHeadersConfig = z.infer<typeof subgraphHeadersSchema>;
