import { importJWK, type CryptoKey, type JWK } from 'jose';

/** A key a token may be verified with; `removed` turns true when its JWKS stops publishing it. */
export interface VerificationKey {
  readonly kid: string | undefined;
  removed: boolean;
  /** The key in the form jose takes for `alg` (imported once per algorithm). */
  keyFor(alg: string): Promise<CryptoKey | Uint8Array>;
}

/** Where keys come from: one JWKS URL, or one local file or secret. */
export interface KeySource {
  /** For logs and config errors, e.g. `authentication.jwt.jwks[0]`. */
  readonly label: string;
  readonly algorithms: ReadonlySet<string>;
  readonly issuers: readonly string[];
  readonly audiences: readonly string[];
  /** Keys that fit this `kid` (any when undefined) and `alg`; throws KeySetUnavailableError when it cannot know. */
  keysFor(kid: string | undefined, alg: string): Promise<readonly VerificationKey[]>;
  /** Until when (ms since the epoch) the keys it returned stand without asking the source again. */
  freshUntil(): number;
}

/** A JWKS that has never been fetched successfully and cannot be fetched now. */
export class KeySetUnavailableError extends Error {
  override name = 'KeySetUnavailableError';
}

/** A public JWK; imported lazily, once per algorithm. */
export class JwkKey implements VerificationKey {
  removed = false;
  private readonly imported = new Map<string, Promise<CryptoKey | Uint8Array>>();

  constructor(readonly jwk: JWK) {}

  get kid(): string | undefined {
    return this.jwk.kid;
  }

  keyFor(alg: string): Promise<CryptoKey | Uint8Array> {
    let key = this.imported.get(alg);
    if (key === undefined) {
      key = importJWK(this.jwk, alg);
      key.catch(() => this.imported.delete(alg));
      this.imported.set(alg, key);
    }
    return key;
  }
}

/** An HMAC secret; it only ever verifies HS* (the source's allowlist holds nothing else). */
export class SecretKey implements VerificationKey {
  removed = false;
  constructor(
    readonly kid: string | undefined,
    private readonly secret: Uint8Array,
  ) {}

  keyFor(): Promise<Uint8Array> {
    return Promise.resolve(this.secret);
  }
}

const EC_CURVES: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/**
 * Whether a JWK may verify `alg` (RFC 7517/7518): a signing key (not `use: enc`) of the algorithm's
 * key type and curve, whose own `alg`, when it states one, is the same. Symmetric (`oct`) JWKs
 * never fit: a shared secret is configured only through `secret_env`.
 */
export function jwkFitsAlgorithm(jwk: JWK, alg: string): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !jwk.key_ops.includes('verify')) return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  if (alg.startsWith('ES')) return jwk.kty === 'EC' && jwk.crv === EC_CURVES[alg];
  if (alg === 'EdDSA') return jwk.kty === 'OKP' && (jwk.crv === 'Ed25519' || jwk.crv === 'Ed448');
  if (alg === 'Ed25519') return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  return false;
}

/** Public members only, so a JWKS that (wrongly) carries private parts never puts them in memory for long. */
export function publicJwk(jwk: JWK): JWK {
  const { kty, kid, use, alg, key_ops, crv, n, e, x, y } = jwk;
  const out: JWK = { kty };
  for (const [name, value] of Object.entries({ kid, use, alg, key_ops, crv, n, e, x, y })) {
    if (value !== undefined) (out as Record<string, unknown>)[name] = value;
  }
  return out;
}

/** A JWK is usable as a public signature key when it has a known key type and no private or symmetric part. */
export function isPublicSigningJwk(value: unknown): value is JWK {
  if (typeof value !== 'object' || value === null) return false;
  const jwk = value as Record<string, unknown>;
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP') return false;
  if (jwk.kid !== undefined && typeof jwk.kid !== 'string') return false;
  return true;
}
