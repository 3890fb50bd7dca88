import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../gateway/src/core/config-errors.ts';
import { loadConfigFile, parseConfig } from '../../../gateway/src/config/load.ts';

const base = { supergraph: { file: 'supergraph.graphql' } };
const jwks = (source: Record<string, unknown>) => ({ ...base, authentication: { jwt: { jwks: [{ url: 'https://idp.example/jwks', ...source }] } } });

function rejects(raw: unknown, pattern: RegExp): void {
  assert.throws(() => parseConfig(raw, {}), (error: unknown) => error instanceof ConfigError && pattern.test(error.message));
}

describe('authentication config', () => {
  test('defaults: off, anonymous allowed, x-tollgate-* subgraph headers', () => {
    const { authentication } = parseConfig(base, {});
    assert.equal(authentication.required, false);
    assert.equal(authentication.jwt, undefined);
    assert.equal(authentication.api_keys, undefined);
    assert.deepEqual(authentication.subgraph_headers, {
      subject: 'x-tollgate-sub',
      client: 'x-tollgate-client',
      scopes: 'x-tollgate-scopes',
      profile: 'x-tollgate-profile',
      claim_prefix: 'x-tollgate-claim-',
    });
    assert.deepEqual(authentication.forward_authorization, []);
  });

  test('jwt defaults, as documented', () => {
    const jwt = parseConfig(jwks({ algorithms: ['RS256'] }), {}).authentication.jwt!;
    assert.equal(jwt.header_name, 'authorization');
    assert.equal(jwt.header_value_prefix, 'Bearer');
    assert.equal(jwt.cookie, undefined);
    assert.equal(jwt.clock_tolerance_s, 30);
    assert.equal(jwt.verification_cache_size, 10_000);
    assert.deepEqual(jwt.jwks[0], {
      url: 'https://idp.example/jwks', issuers: [], audiences: [], algorithms: ['RS256'],
      poll_interval_s: 60, cooldown_s: 10, timeout_ms: 3000,
    });
  });

  test('the algorithm allowlist is required and never holds none', () => {
    rejects(jwks({}), /authentication\.jwt\.jwks\.0\.algorithms: required/);
    rejects(jwks({ algorithms: ['none'] }), /algorithms\.0: .*"none" is never accepted/);
    rejects(jwks({ algorithms: [] }), /algorithms: list at least one algorithm/);
  });

  test('HS* only with a secret, never with a JWKS or a public key file', () => {
    rejects(jwks({ algorithms: ['RS256', 'HS256'] }), /jwks\.0\.algorithms: HS256 is for shared secrets/);
    rejects({ ...base, authentication: { jwt: { keys: [{ file: 'k.pem', algorithms: ['HS256'] }] } } }, /keys\.0\.algorithms: HS256 needs a shared secret/);
    rejects({ ...base, authentication: { jwt: { keys: [{ secret_env: 'S', algorithms: ['RS256'] }] } } }, /keys\.0\.algorithms: a secret_env key verifies HS256/);
    rejects({ ...base, authentication: { jwt: { keys: [{ algorithms: ['RS256'] }] } } }, /keys\.0: set exactly one of file or secret_env/);
  });

  test('API keys are configured as SHA-256 digests, never in plain text', () => {
    rejects({ ...base, authentication: { api_keys: { keys: [{ client_id: 'acme', sha256: 'tg_live_plaintext' }] } } }, /api_keys\.keys\.0\.sha256: expected the SHA-256/);
  });

  test('required needs a credential method; unknown keys are named', () => {
    rejects({ ...base, authentication: { required: true } }, /authentication\.required: required: true needs jwt or api_keys/);
    rejects(jwks({ algorithms: ['RS256'], poll: 5 }), /authentication\.jwt\.jwks\.0\.poll: unknown key/);
    rejects({ ...base, authentication: { jwt: {} } }, /authentication\.jwt: configure at least one key source/);
  });

  test('the demo files configure the demo JWKS and key (docker twin included)', async () => {
    for (const [file, url] of [
      ['gateway/gateway.yaml', 'http://127.0.0.1:4105/.well-known/jwks.json'],
      ['deploy/gateway.yaml', 'http://subgraphs:4105/.well-known/jwks.json'],
    ] as const) {
      const { authentication } = (await loadConfigFile(file, {})).config;
      assert.equal(authentication.required, false, file);
      assert.equal(authentication.jwt?.jwks[0]?.url, url, file);
      assert.deepEqual(authentication.jwt?.jwks[0]?.issuers, ['urn:tollgate:demo'], file);
      assert.equal(authentication.api_keys?.keys[0]?.client_id, 'demo-partner', file);
    }
  });
});
