// Edge authentication end to end: a real JWKS over HTTP, a real gateway, real subgraphs that
// record the headers they receive.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportSPKI, importJWK, SignJWT, type CryptoKey } from 'jose';
import { apiKeyDigest } from '../../../gateway/src/auth/api-keys.ts';
import type { JwsAlgorithm } from '../../../gateway/src/auth/config.ts';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway, type GraphQLHttpResult } from '../../support/gateway.ts';
import { deadUrl, makeKey, signToken, startJwksServer, unsecuredToken, type JwksServer, type TestKey } from './helpers.ts';

const ISSUER = 'https://idp.test';
const AUDIENCE = 'tollgate';
const API_KEY = 'tg_partner_acme_5b0f7e1c9d2a4b6e8f3a1c0d';

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@requiresScopes", "@authenticated"])';
const ACCOUNTS = `${FED}
  type Query {
    me: User @authenticated
    whoami: String
    orders: [Order!] @requiresScopes(scopes: [["orders:read"]])
  }
  type User @key(fields: "id") { id: ID! name: String email: String @requiresScopes(scopes: [["email"]]) }
  type Order { id: ID! }`;
const INVENTORY = `${FED}
  type Query { stock: Int }`;

type Headers = Record<string, string | string[] | undefined>;

describe('edge authentication through a real gateway', () => {
  let jwks: JwksServer;
  let rsa: TestKey;
  let ec: TestKey;
  let accounts: FixtureSubgraph;
  let inventory: FixtureSubgraph;
  let supergraph: string;
  let gateway: RunningGateway;
  let ordersResolved = 0;
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'u1', scope: 'profile', client_id: 'web-app' };

  const jwtConfig = (url: string, extra: Record<string, unknown> = {}) => ({
    jwks: [{ url, issuers: [ISSUER], audiences: [AUDIENCE], algorithms: ['RS256', 'ES256'] as JwsAlgorithm[], poll_interval_s: 60, cooldown_s: 60, ...extra }],
    cookie: 'tg_token',
  });
  const start = (authentication: GatewayConfigInput['authentication']) => startTestGateway(supergraph, { authentication });

  before(async () => {
    rsa = await makeKey('RS256', 'rsa-2025');
    ec = await makeKey('ES256', 'ec-2025');
    jwks = await startJwksServer([rsa.publicJwk, ec.publicJwk]);
    accounts = await startFixtureSubgraph(ACCOUNTS, {
      Query: {
        me: (_root, _args, ctx: any) => {
          const sub = ctx.headers['x-tollgate-sub'];
          return sub ? { id: sub, name: 'Alice', email: 'alice@example.com' } : null;
        },
        whoami: (_root, _args, ctx: any) => ctx.headers['x-tollgate-sub'] ?? 'anonymous',
        orders: () => {
          ordersResolved += 1;
          return [{ id: 'o1' }];
        },
      },
    });
    inventory = await startFixtureSubgraph(INVENTORY, { Query: { stock: () => 7 } });
    supergraph = composeForTest([
      { name: 'accounts', routingUrl: accounts.url, sdl: ACCOUNTS },
      { name: 'inventory', routingUrl: inventory.url, sdl: INVENTORY },
    ]);
    gateway = await start({
      jwt: jwtConfig(jwks.url),
      api_keys: { keys: [{ client_id: 'acme', sha256: apiKeyDigest(API_KEY), scopes: ['orders:read'], profile: 'partner' }] },
      forward_authorization: ['inventory'],
      // These tests send far more than the default 20 failed credentials from one IP on purpose
      // (the unknown-kid flood); the limiter has its own tests (test/gateway/quota/auth-failures.test.ts).
      failure_limit: { limit: 10_000, window_s: 60 },
    });
  });

  after(async () => {
    await gateway.stop();
    await accounts.stop();
    await inventory.stop();
    await jwks.stop();
  });

  const ask = (query: string, headers: Record<string, string> = {}) => postGraphQL(gateway.url, { query }, headers);
  const lastAccountsRequest = (): Headers => accounts.received.at(-1) as Headers;

  function assertUnauthenticated(result: GraphQLHttpResult, reason: string, token?: string): void {
    assert.equal(result.status, 401, JSON.stringify(result.body));
    const error = result.body.errors[0];
    assert.equal(error.extensions.code, 'UNAUTHENTICATED');
    assert.equal(error.extensions.reason, reason);
    assert.match(result.headers.get('www-authenticate') ?? '', /^Bearer realm="tollgate", error="invalid_token", error_description="Invalid token: /);
    if (token) {
      assert.ok(!JSON.stringify(result.body).includes(token), 'the body never echoes the token');
      assert.ok(!(result.headers.get('www-authenticate') ?? '').includes(token.slice(0, 20)));
    }
  }

  test('valid RS256 and ES256 tokens: the subgraph receives the verified identity headers only', async () => {
    for (const key of [rsa, ec]) {
      const result = await ask('{ whoami }', { authorization: `Bearer ${await signToken(key, claims)}` });
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.deepEqual(result.body, { data: { whoami: 'u1' } });
      const headers = lastAccountsRequest();
      assert.equal(headers['x-tollgate-sub'], 'u1');
      assert.equal(headers['x-tollgate-client'], 'web-app');
      assert.equal(headers['x-tollgate-scopes'], 'profile');
      assert.equal(headers.authorization, undefined, 'raw Authorization is not forwarded to accounts');
    }
  });

  test('a forged x-tollgate-sub is stripped: anonymous → none, with a token → the verified one', async () => {
    const forged = { 'x-tollgate-sub': 'admin', 'x-tollgate-scopes': 'admin', 'x-tollgate-client': 'root' };
    const anonymous = await ask('{ whoami }', forged);
    assert.deepEqual(anonymous.body, { data: { whoami: 'anonymous' } });
    assert.equal(lastAccountsRequest()['x-tollgate-sub'], undefined);
    assert.equal(lastAccountsRequest()['x-tollgate-scopes'], undefined);

    const token = await signToken(rsa, claims);
    const signedIn = await ask('{ whoami }', { ...forged, authorization: `Bearer ${token}` });
    assert.deepEqual(signedIn.body, { data: { whoami: 'u1' } });
    assert.equal(lastAccountsRequest()['x-tollgate-scopes'], 'profile');
    assert.equal(lastAccountsRequest()['x-tollgate-client'], 'web-app');
  });

  test('only a subgraph listed in forward_authorization receives the raw token', async () => {
    const token = await signToken(rsa, claims);
    const result = await ask('{ whoami stock }', { authorization: `Bearer ${token}` });
    assert.deepEqual(result.body, { data: { whoami: 'u1', stock: 7 } });
    assert.equal(inventory.received.at(-1)?.authorization, `Bearer ${token}`);
    assert.equal(inventory.received.at(-1)?.['x-tollgate-sub'], 'u1');
    assert.equal(lastAccountsRequest().authorization, undefined);
  });

  test('the token may come from the configured cookie', async () => {
    const result = await ask('{ whoami }', { cookie: `theme=dark; tg_token=${await signToken(rsa, claims)}` });
    assert.deepEqual(result.body, { data: { whoami: 'u1' } });
  });

  test('each failed check → 401, WWW-Authenticate invalid_token, UNAUTHENTICATED naming the check', async () => {
    const publicPem = await exportSPKI((await importJWK(rsa.publicJwk, 'RS256')) as CryptoKey);
    const stranger = await makeKey('RS256', rsa.kid);
    const cases: Array<[string, string, RegExp]> = [
      [await signToken(rsa, claims, { expiresIn: -300 }), 'expired', /expired/],
      [await signToken(rsa, claims, { notBefore: 600, expiresIn: 900 }), 'not_yet_valid', /not yet valid/],
      [await signToken(rsa, { ...claims, iss: 'https://evil.test' }), 'wrong_issuer', /wrong issuer/],
      [await signToken(ec, { ...claims, aud: 'another-api' }), 'wrong_audience', /wrong audience/],
      [await signToken(rsa, claims, { expiresIn: null }), 'missing_expiry', /no expiry/],
      [unsecuredToken({ ...claims, exp: Math.floor(Date.now() / 1000) + 300 }), 'algorithm_not_allowed', /algorithm not allowed/],
      [
        await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: rsa.kid }).setExpirationTime('5m').sign(new TextEncoder().encode(publicPem)),
        'algorithm_not_allowed',
        /algorithm not allowed/,
      ],
      [await signToken(stranger, claims), 'bad_signature', /bad signature/],
      [await signToken(rsa, claims, { kid: 'retired-key' }), 'unknown_key', /unknown signing key/],
      ['not.a.jwt', 'malformed', /malformed/],
    ];
    for (const [token, reason, message] of cases) {
      const result = await ask('{ whoami }', { authorization: `Bearer ${token}` });
      assertUnauthenticated(result, reason, token);
      assert.match(result.body.errors[0].message, message);
    }
    const wrongScheme = await ask('{ whoami }', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    assertUnauthenticated(wrongScheme, 'malformed');
  });

  test('an unknown-kid flood fetches the JWKS at most once per cool-down', async () => {
    await ask('{ whoami }', { authorization: `Bearer ${await signToken(rsa, claims)}` }); // warm
    const before = jwks.fetches();
    const tokens = await Promise.all(Array.from({ length: 60 }, (_, i) => signToken(rsa, claims, { kid: `flood-${i}` })));
    const results = await Promise.all(tokens.map((token) => ask('{ whoami }', { authorization: `Bearer ${token}` })));
    for (const result of results) assertUnauthenticated(result, 'unknown_key');
    assert.ok(jwks.fetches() - before <= 1, `${jwks.fetches() - before} JWKS fetches for 60 unknown kids`);
  });

  test('API keys: valid → client id, scopes and profile to subgraphs (never the key); invalid → 401', async () => {
    const result = await ask('{ whoami orders { id } }', { 'x-api-key': API_KEY });
    assert.deepEqual(result.body, { data: { whoami: 'anonymous', orders: [{ id: 'o1' }] } });
    const headers = lastAccountsRequest();
    assert.equal(headers['x-tollgate-client'], 'acme');
    assert.equal(headers['x-tollgate-scopes'], 'orders:read');
    assert.equal(headers['x-tollgate-profile'], 'partner');
    assert.equal(headers['x-api-key'], undefined);

    const withBasic = await ask('{ whoami }', { 'x-api-key': API_KEY, authorization: 'Basic dXNlcjpwYXNz' });
    assert.equal(withBasic.status, 200, 'a non-bearer Authorization header does not spoil an API key');

    const invalid = await ask('{ whoami }', { 'x-api-key': `${API_KEY}x` });
    assert.equal(invalid.status, 401);
    assert.equal(invalid.body.errors[0].extensions.code, 'UNAUTHENTICATED');
    assert.equal(invalid.body.errors[0].extensions.reason, 'invalid_api_key');
    assert.match(invalid.headers.get('www-authenticate') ?? '', /^ApiKey realm="tollgate"/);
  });

  test('a bearer token and an API key together are refused', async () => {
    const result = await ask('{ whoami }', { authorization: `Bearer ${await signToken(rsa, claims)}`, 'x-api-key': API_KEY });
    assert.equal(result.status, 401);
    assert.equal(result.body.errors[0].extensions.reason, 'ambiguous');
  });

  test('field-level @requiresScopes / @authenticated: unauthorized fields removed, FORBIDDEN errors, the rest returns', async () => {
    const query = '{ whoami me { id name email } orders { id } }';
    const before = ordersResolved;
    const partial = await ask(query, { authorization: `Bearer ${await signToken(rsa, claims)}` });
    assert.equal(partial.status, 200);
    // As Apollo Router: removed fields come back null, each with a FORBIDDEN error at its path.
    assert.deepEqual(partial.body.data, { whoami: 'u1', me: { id: 'u1', name: 'Alice', email: null }, orders: null });
    assert.equal(ordersResolved, before, 'the subgraph was never asked for orders');
    const forbidden = partial.body.errors.map((error: any) => [error.extensions.code, error.path]);
    assert.deepEqual(forbidden, [
      ['FORBIDDEN', ['me', 'email']],
      ['FORBIDDEN', ['orders']],
    ]);

    const anonymous = await ask(query);
    assert.equal(anonymous.body.data.whoami, 'anonymous');
    assert.deepEqual(anonymous.body.errors.map((error: any) => error.path), [['me'], ['orders']]);

    const full = await ask(query, { authorization: `Bearer ${await signToken(rsa, { ...claims, scope: 'email orders:read' })}` });
    assert.deepEqual(full.body, {
      data: { whoami: 'u1', me: { id: 'u1', name: 'Alice', email: 'alice@example.com' }, orders: [{ id: 'o1' }] },
    });
  });

  describe('authentication.required', () => {
    let strict: RunningGateway;
    before(async () => {
      strict = await start({ required: true, jwt: jwtConfig(jwks.url) });
    });
    after(async () => {
      await strict.stop();
    });

    test('no credential → 401 with a bare Bearer challenge; a valid token → 200', async () => {
      const missing = await postGraphQL(strict.url, { query: '{ whoami }' });
      assert.equal(missing.status, 401);
      assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="tollgate"');
      assert.equal(missing.body.errors[0].extensions.code, 'UNAUTHENTICATED');
      assert.equal(missing.body.errors[0].extensions.reason, 'missing');
      const ok = await postGraphQL(strict.url, { query: '{ whoami }' }, { authorization: `Bearer ${await signToken(ec, claims)}` });
      assert.deepEqual(ok.body, { data: { whoami: 'u1' } });
    });
  });

  describe('JWKS endpoint unreachable with a cold cache', () => {
    let cold: RunningGateway;
    before(async () => {
      cold = await start({ jwt: jwtConfig(await deadUrl()) });
    });
    after(async () => {
      await cold.stop();
    });

    test('a token → 503 AUTHENTICATION_UNAVAILABLE with Retry-After; anonymous requests still served', async () => {
      const result = await postGraphQL(cold.url, { query: '{ whoami }' }, { authorization: `Bearer ${await signToken(rsa, claims)}` });
      assert.equal(result.status, 503);
      assert.equal(result.body.errors[0].extensions.code, 'AUTHENTICATION_UNAVAILABLE');
      assert.equal(result.headers.get('retry-after'), '5');
      assert.doesNotMatch(result.body.errors[0].message, /127\.0\.0\.1/, 'no internal address');
      const anonymous = await postGraphQL(cold.url, { query: '{ whoami }' });
      assert.deepEqual(anonymous.body, { data: { whoami: 'anonymous' } });
    });
  });

  describe('key rotation and an endpoint outage (short poll interval and cool-down)', () => {
    let rotating: JwksServer;
    let fast: RunningGateway;
    let next: TestKey;
    before(async () => {
      next = await makeKey('RS256', 'rsa-2026');
      rotating = await startJwksServer([rsa.publicJwk]);
      fast = await start({ jwt: jwtConfig(rotating.url, { poll_interval_s: 0.2, cooldown_s: 0.05 }) });
    });
    after(async () => {
      await fast.stop();
      await rotating.stop();
    });

    const whoami = async (key: TestKey) =>
      postGraphQL(fast.url, { query: '{ whoami }' }, { authorization: `Bearer ${await signToken(key, claims)}` });

    /** Retries until `done` holds (bounded): waits on the gateway's observable behaviour, not on time. */
    async function eventually(attempt: () => Promise<boolean>, what: string): Promise<void> {
      for (let i = 0; i < 200; i++) {
        if (await attempt()) return;
        await sleep(25);
      }
      assert.fail(`never happened: ${what}`);
    }

    test('unknown kid, then the new key is published → accepted without a restart', async () => {
      assert.equal((await whoami(rsa)).status, 200);
      rotating.publish([rsa.publicJwk, next.publicJwk]);
      await eventually(async () => (await whoami(next)).status === 200, 'the new key is accepted');
    });

    test('the old key removed from the JWKS → rejected once the cached set expires', async () => {
      rotating.publish([next.publicJwk]);
      await eventually(async () => {
        const result = await whoami(rsa);
        if (result.status === 200) return false;
        assertUnauthenticated(result, 'unknown_key');
        return true;
      }, 'the old key is refused');
      assert.equal((await whoami(next)).status, 200);
    });

    test('endpoint down with a warm cache → tokens still verified from the cache', async () => {
      rotating.behave('error');
      const before = rotating.fetches();
      // Keep asking until the gateway has tried (and failed) to refresh: every answer is a 200.
      await eventually(async () => {
        const result = await whoami(next);
        assert.equal(result.status, 200, JSON.stringify(result.body));
        return rotating.fetches() > before;
      }, 'a failed refresh attempt');
      assert.equal((await whoami(next)).status, 200);
      rotating.behave('up');
    });
  });
});
