import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { JwtConfig } from './config.ts';
import type { Identity } from '../core/identity.ts';
import { identityProblem } from './identity.ts';
import { KeySetUnavailableError, type KeySource, type VerificationKey } from './keys.ts';
import { LruCache } from '../core/cache.ts';

/** Why a token was refused: a stable code (`extensions.reason`) and a message that never echoes the token. */
export type InvalidTokenReason =
  | 'malformed'
  | 'algorithm_not_allowed'
  | 'expired'
  | 'not_yet_valid'
  | 'missing_expiry'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_type'
  | 'invalid_claim'
  | 'issued_in_future'
  | 'too_old'
  | 'lifetime_too_long'
  | 'unknown_key'
  | 'bad_signature';

const MESSAGES: Record<InvalidTokenReason, string> = {
  malformed: 'malformed (not a signed JWT)',
  algorithm_not_allowed: 'signature algorithm not allowed',
  expired: 'expired (exp)',
  not_yet_valid: 'not yet valid (nbf)',
  missing_expiry: 'no expiry (exp)',
  wrong_issuer: 'wrong issuer (iss)',
  wrong_audience: 'wrong audience (aud)',
  wrong_type: 'wrong type (typ)',
  invalid_claim: 'invalid claim',
  issued_in_future: 'issued in the future (iat)',
  too_old: 'issued too long ago (iat, max_token_age_s)',
  lifetime_too_long: 'lifetime too long (exp, max_token_age_s)',
  unknown_key: 'unknown signing key (kid)',
  bad_signature: 'bad signature',
};

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
  constructor(
    readonly reason: InvalidTokenReason,
    detail?: string,
  ) {
    super(`Invalid token: ${MESSAGES[reason]}${detail ? ` ${detail}` : ''}`);
  }
}

/** Keys needed to verify the token could not be fetched (cold JWKS cache, endpoint down). */
export class KeysUnavailableError extends Error {
  override name = 'KeysUnavailableError';
}

export interface VerifiedToken {
  identity: Identity;
  /** `exp`, in ms since the epoch. */
  expiresAt: number;
}

interface CachedVerification {
  verified: VerifiedToken;
  key: VerificationKey;
}

// Bounds on attacker-controlled input, checked before any work is spent on it.
const MAX_TOKEN_LENGTH = 16 * 1024;
const MAX_KID_LENGTH = 256;

/**
 * Verifies JWS-compact JWTs against the configured key sources (RFC 8725): the header's `alg` must
 * be in the allowlist of the source whose key verifies it (never `none`, never HS* with a public
 * key); `kid` is only a lookup key; `jku`, `x5u`, `jwk` and `x5c` are never read; `exp` is required,
 * `nbf` checked when present, `iss`/`aud` when the source lists them; `typ` when configured.
 * Successful verifications are remembered by token in a bounded LRU, never past `exp`, never past
 * the JWKS poll interval, and never after the key that verified them is withdrawn from its JWKS.
 */
export class JwtVerifier {
  private readonly cache: LruCache<string, CachedVerification>;
  private readonly allowed: ReadonlySet<string>;
  private readonly now: () => number;

  constructor(
    private readonly sources: readonly KeySource[],
    private readonly config: JwtConfig,
    now?: () => number,
  ) {
    this.cache = new LruCache(config.verification_cache_size);
    this.allowed = new Set(sources.flatMap((source) => [...source.algorithms]));
    this.now = now ?? Date.now;
  }

  async verify(token: string): Promise<VerifiedToken> {
    const now = this.now();
    const cached = this.cache.get(token, now);
    if (cached !== undefined) {
      if (!cached.key.removed) return cached.verified;
      this.cache.delete(token);
    }
    if (token.length > MAX_TOKEN_LENGTH || token.split('.').length !== 3) throw new InvalidTokenError('malformed');

    let alg: unknown;
    let kid: unknown;
    let unverifiedIssuer: unknown;
    try {
      ({ alg, kid } = decodeProtectedHeader(token));
      unverifiedIssuer = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError('malformed');
    }
    if (typeof alg !== 'string' || !this.allowed.has(alg)) throw new InvalidTokenError('algorithm_not_allowed');
    if (kid !== undefined && (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH)) throw new InvalidTokenError('malformed');

    // Sources that allow this algorithm and (when they name issuers) this issuer; the unverified
    // `iss` only picks sources, the verification below checks it again.
    const byAlgorithm = this.sources.filter((source) => source.algorithms.has(alg as string));
    const candidates = byAlgorithm.filter(
      (source) => source.issuers.length === 0 || (typeof unverifiedIssuer === 'string' && source.issuers.includes(unverifiedIssuer)),
    );
    if (candidates.length === 0) throw new InvalidTokenError('wrong_issuer');

    let badSignature = false;
    let unavailable: KeySetUnavailableError | undefined;
    for (const source of candidates) {
      let keys: readonly VerificationKey[];
      try {
        keys = await source.keysFor(kid as string | undefined, alg);
      } catch (error) {
        if (error instanceof KeySetUnavailableError) {
          unavailable = error;
          continue;
        }
        throw error;
      }
      for (const key of keys) {
        let payload: JWTPayload;
        try {
          const cryptoKey = await key.keyFor(alg);
          ({ payload } = await jwtVerify(token, cryptoKey, {
            algorithms: [alg],
            issuer: source.issuers.length > 0 ? [...source.issuers] : undefined,
            audience: source.audiences.length > 0 ? [...source.audiences] : undefined,
            clockTolerance: this.config.clock_tolerance_s,
            requiredClaims: ['exp'],
            typ: this.config.typ,
            currentDate: new Date(now),
          }));
        } catch (error) {
          if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
            badSignature = true;
            continue;
          }
          throw mapJoseError(error);
        }
        const oldAt = this.checkLifetime(payload, now);
        const identity = this.identityOf(payload);
        // Identity values travel to subgraphs in headers (identity.ts): refuse what cannot travel unambiguously.
        const problem = identityProblem(identity, { scopes: this.config.scope_claim, clientId: this.config.client_id_claim, profile: this.config.profile_claim });
        if (problem !== undefined) throw new InvalidTokenError('invalid_claim', `(${problem})`);
        const verified = { identity, expiresAt: (payload.exp as number) * 1000 };
        // Remembered until exp, until it gets too old (max_token_age_s), or until the key set is due
        // for a refresh (which may withdraw the key).
        const until = Math.min(verified.expiresAt, oldAt, source.freshUntil());
        if (until > now) this.cache.set(token, { verified, key }, until);
        return verified;
      }
    }
    if (badSignature) throw new InvalidTokenError('bad_signature');
    if (unavailable) throw new KeysUnavailableError(unavailable.message);
    throw new InvalidTokenError('unknown_key');
  }

  /**
   * `iat` in the future beyond the clock tolerance is refused; with `max_token_age_s` (0 = off), so
   * is a token issued longer ago than that, or living longer than that (`exp - iat`, or `exp - now`
   * without `iat`). Returns when the token turns too old (ms since the epoch; Infinity when never).
   */
  private checkLifetime(payload: JWTPayload, now: number): number {
    const tolerance = this.config.clock_tolerance_s;
    const nowS = now / 1000;
    const { iat, exp } = payload as { iat?: number; exp: number };
    if (iat !== undefined && iat > nowS + tolerance) throw new InvalidTokenError('issued_in_future');
    const maxAge = this.config.max_token_age_s;
    if (maxAge === 0) return Infinity;
    if (iat !== undefined && nowS - iat > maxAge + tolerance) throw new InvalidTokenError('too_old');
    if (exp - (iat ?? nowS) > maxAge + (iat === undefined ? tolerance : 0)) throw new InvalidTokenError('lifetime_too_long');
    return iat === undefined ? Infinity : (iat + maxAge + tolerance) * 1000;
  }

  /**
   * The identity a verified token states. `sub`, the client id and the scopes are identity values
   * subgraphs and policies rely on: when present they must be what they claim to be (a non-empty
   * string; scopes a string or an array of strings), or the token is refused naming the claim,
   * never read with the value dropped (`{"sub":{"a":1}}` is not an anonymous caller).
   */
  private identityOf(payload: JWTPayload): Identity {
    const subject = identityString(payload, 'sub');
    const clientIdClaim = payload[this.config.client_id_claim] !== undefined ? this.config.client_id_claim : 'azp';
    const clientId = identityString(payload, clientIdClaim);
    const claims: Record<string, unknown> = {};
    for (const name of this.config.forward_claims) {
      if (payload[name] !== undefined) claims[name] = payload[name];
    }
    return Object.freeze({
      method: 'jwt',
      subject,
      clientId,
      scopes: scopesOf(payload[this.config.scope_claim], this.config.scope_claim),
      profile: this.config.profile_claim === undefined ? undefined : identityString(payload, this.config.profile_claim),
      claims: Object.freeze(claims),
    });
  }
}

/** A claim that must be a non-empty string when present (`null` counts as present). */
function identityString(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new InvalidTokenError('invalid_claim', `(${claim})`);
  return value;
}

/**
 * OAuth `scope` (space-separated string) or `scp`-style array of strings; anything else (a number,
 * an object, an array holding a non-string) is refused, not read as "no scopes". An array element
 * holding whitespace is kept whole here, and refused by identityProblem (it would split at a subgraph).
 */
function scopesOf(value: unknown, claim: string): ReadonlySet<string> {
  if (value === undefined) return new Set();
  if (typeof value === 'string') return new Set(value.split(' ').filter((scope) => scope !== ''));
  if (Array.isArray(value) && value.every((scope) => typeof scope === 'string')) return new Set(value.filter((scope) => scope !== ''));
  throw new InvalidTokenError('invalid_claim', `(${claim})`);
}

function mapJoseError(error: unknown): Error {
  if (error instanceof joseErrors.JWTExpired) return new InvalidTokenError('expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return error.reason === 'check_failed' ? new InvalidTokenError('not_yet_valid') : new InvalidTokenError('invalid_claim', '(nbf)');
      case 'exp':
        return error.reason === 'missing' ? new InvalidTokenError('missing_expiry') : new InvalidTokenError('invalid_claim', '(exp)');
      case 'iss':
        return new InvalidTokenError('wrong_issuer');
      case 'aud':
        return new InvalidTokenError('wrong_audience');
      case 'typ':
        return new InvalidTokenError('wrong_type');
      default:
        return new InvalidTokenError('invalid_claim', /^[a-z]{1,8}$/.test(error.claim) ? `(${error.claim})` : undefined);
    }
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return new InvalidTokenError('algorithm_not_allowed');
  }
  if (error instanceof joseErrors.JOSEError) return new InvalidTokenError('malformed');
  // A key that fits the JWK checks but that the crypto layer refuses (e.g. a bad curve point).
  if (error instanceof TypeError) return new InvalidTokenError('unknown_key');
  return error instanceof Error ? error : new Error(String(error));
}
