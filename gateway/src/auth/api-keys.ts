import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeysConfig } from './config.ts';
import type { Identity } from '../core/identity.ts';

interface StoredKey {
  digest: Buffer;
  identity: Identity;
}

/**
 * API keys for partner and server-to-server clients. The config holds only each key's SHA-256
 * (keys are long random strings, so a fast hash is the right one). The presented key is hashed and
 * compared with every stored digest in constant time, without stopping at the first match, so
 * neither timing nor position tells anything about the stored keys.
 */
export class ApiKeyVerifier {
  private readonly keys: StoredKey[];

  constructor(config: ApiKeysConfig) {
    this.keys = config.keys.map((key) => ({
      digest: Buffer.from(key.sha256, 'hex'),
      identity: Object.freeze({
        method: 'api_key',
        subject: undefined,
        clientId: key.client_id,
        scopes: new Set(key.scopes),
        profile: key.profile,
        claims: Object.freeze({}),
      }),
    }));
  }

  /** The identity of a valid key, or undefined. */
  verify(presented: string): Identity | undefined {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: Identity | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(digest, key.digest) && found === undefined) found = key.identity;
    }
    return found;
  }
}

/** The hex SHA-256 to put in `authentication.api_keys.keys[].sha256` for a key. */
export function apiKeyDigest(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
