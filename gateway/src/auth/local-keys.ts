import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { JWK } from 'jose';
import { ConfigError } from '../core/config-errors.ts';
import type { LocalKeyConfig } from './config.ts';
import { isPublicSigningJwk, JwkKey, jwkFitsAlgorithm, publicJwk, SecretKey, type KeySource, type VerificationKey } from './keys.ts';

/** A local key problem found at start-up; the message names the config key. */
export class KeyConfigError extends ConfigError {
  override name = 'KeyConfigError';
}

/** Minimum HMAC secret length (RFC 7518 §3.2: at least the hash output). */
const SECRET_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

/** A key file or an env-var secret, loaded once at start-up. */
export class LocalKeySource implements KeySource {
  readonly algorithms: ReadonlySet<string>;
  readonly issuers: readonly string[];
  readonly audiences: readonly string[];

  private constructor(
    readonly label: string,
    config: LocalKeyConfig,
    private readonly keys: readonly VerificationKey[],
    private readonly kid: string | undefined,
  ) {
    this.algorithms = new Set(config.algorithms);
    this.issuers = config.issuers;
    this.audiences = config.audiences;
  }

  static async load(label: string, config: LocalKeyConfig, baseDir: string, env: NodeJS.ProcessEnv): Promise<LocalKeySource> {
    if (config.secret_env !== undefined) {
      const value = env[config.secret_env];
      if (value === undefined || value === '') {
        throw new KeyConfigError(`${label}.secret_env: environment variable ${config.secret_env} is not set`);
      }
      const secret = new TextEncoder().encode(value);
      const needed = Math.max(...config.algorithms.map((alg) => SECRET_BYTES[alg] ?? 0));
      if (secret.byteLength < needed) {
        throw new KeyConfigError(
          `${label}.secret_env: the secret in ${config.secret_env} is ${secret.byteLength} bytes; ${config.algorithms.join('/')} needs at least ${needed}`,
        );
      }
      return new LocalKeySource(label, config, [new SecretKey(config.kid, secret)], config.kid);
    }
    const path = resolve(baseDir, config.file as string);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new KeyConfigError(`${label}.file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    let jwks: JWK[];
    try {
      jwks = parseKeyFile(text);
    } catch (error) {
      throw new KeyConfigError(`${label}.file: ${path}: ${(error as Error).message}`);
    }
    const usable = jwks.filter((jwk) => config.algorithms.some((alg) => jwkFitsAlgorithm(jwk, alg)));
    if (usable.length === 0) {
      throw new KeyConfigError(`${label}.file: ${path} holds no key for ${config.algorithms.join(', ')}`);
    }
    return new LocalKeySource(label, config, usable.map((jwk) => new JwkKey(jwk)), config.kid);
  }

  freshUntil(): number {
    return Number.POSITIVE_INFINITY;
  }

  keysFor(kid: string | undefined, alg: string): Promise<readonly VerificationKey[]> {
    if (this.kid !== undefined && kid !== this.kid) return Promise.resolve([]);
    return Promise.resolve(
      this.keys.filter((key) => {
        if (kid !== undefined && key.kid !== undefined && key.kid !== kid) return false;
        return key instanceof SecretKey || jwkFitsAlgorithm((key as JwkKey).jwk, alg);
      }),
    );
  }
}

/** PEM (SPKI public key or X.509 certificate), one JWK, or a JWKS — public keys only. */
export function parseKeyFile(text: string): JWK[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) {
    if (/PRIVATE KEY-----/.test(trimmed)) throw new Error('is a private key; configure the public key (or certificate) instead');
    let jwk: JWK;
    try {
      jwk = createPublicKey(trimmed).export({ format: 'jwk' }) as JWK;
    } catch (error) {
      throw new Error(`not a PEM public key or certificate (${(error as Error).message})`);
    }
    return [jwk];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new Error('neither PEM nor JSON');
  }
  const list = Array.isArray((parsed as { keys?: unknown }).keys) ? (parsed as { keys: unknown[] }).keys : [parsed];
  for (const jwk of list) {
    if (typeof jwk === 'object' && jwk !== null && 'd' in jwk) throw new Error('holds a private key; configure the public key instead');
  }
  const keys = list.filter(isPublicSigningJwk).map(publicJwk);
  if (keys.length === 0) throw new Error('holds no public RSA, EC or OKP key');
  return keys;
}
