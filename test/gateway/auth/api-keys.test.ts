import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiKeyDigest, ApiKeyVerifier } from '../../../gateway/src/auth/api-keys.ts';

describe('API keys', () => {
  const verifier = new ApiKeyVerifier({
    header_name: 'x-api-key',
    keys: [
      { client_id: 'acme', sha256: apiKeyDigest('tg_acme_0123456789'), scopes: ['orders:read'], profile: 'partner' },
      { client_id: 'batch', sha256: apiKeyDigest('tg_batch_9876543210').toUpperCase(), scopes: [], profile: undefined },
    ],
  });

  test('a valid key → its client id, scopes and profile', () => {
    const identity = verifier.verify('tg_acme_0123456789');
    assert.equal(identity?.method, 'api_key');
    assert.equal(identity?.clientId, 'acme');
    assert.equal(identity?.subject, undefined);
    assert.deepEqual([...(identity?.scopes ?? [])], ['orders:read']);
    assert.equal(identity?.profile, 'partner');
    assert.equal(verifier.verify('tg_batch_9876543210')?.clientId, 'batch', 'upper-case hex digests match too');
  });

  test('an unknown key, a prefix of a key, or the digest itself is refused', () => {
    assert.equal(verifier.verify('tg_acme_012345678'), undefined);
    assert.equal(verifier.verify(''), undefined);
    assert.equal(verifier.verify(apiKeyDigest('tg_acme_0123456789')), undefined);
  });
});
