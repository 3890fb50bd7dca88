// Hostile credentials through a real gateway, judged from the subgraph's side (the fixture
// subgraph records every header it receives): identity values that would be ambiguous in a header
// are refused, the rest arrive in one encoding a subgraph undoes with decodeURIComponent (forwarded
// claims as JSON, so their type survives); a token
// with an API key is ambiguous whether the token came in a header or a cookie; `iat` in the future
// and absurd lifetimes are refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiKeyDigest } from '../../../gateway/src/auth/api-keys.ts';
import type { JwsAlgorithm } from '../../../gateway/src/auth/config.ts';
import { parseConfig } from '../../../gateway/src/config/load.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway, type GraphQLHttpResult } from '../../support/gateway.ts';
import { makeKey, signToken, startJwksServer, type JwksServer, type TestKey } from './helpers.ts';
import { SignJWT } from 'jose';

const ISSUER = 'https://idp.test';
const AUDIENCE = 'tollgate';
const API_KEY = 'tg_partner_hostile_0123456789abcdef';
const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type Query { whoami: String }`;
const DAY = 86_400;

describe('hostile identities through a real gateway, seen from the subgraph', () => {
  let jwks: JwksServer;
  let key: TestKey;
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'u1', scope: 'profile', client_id: 'web-app' };

  before(async () => {
    key = await makeKey('RS256', 'rsa-1');
    jwks = await startJwksServer([key.publicJwk]);
    subgraph = await startFixtureSubgraph(SDL, { Query: { whoami: (_r, _a, ctx: any) => ctx.headers['x-tollgate-sub'] ?? 'anonymous' } });
    gateway = await startTestGateway(composeForTest([{ name: 'accounts', routingUrl: subgraph.url, sdl: SDL }]), {
      authentication: {
        jwt: {
          jwks: [{ url: jwks.url, issuers: [ISSUER], audiences: [AUDIENCE], algorithms: ['RS256'] as JwsAlgorithm[] }],
          cookie: 'tg_token',
          forward_claims: ['tenant', 'groups'],
          max_token_age_s: DAY,
        },
        api_keys: { keys: [{ client_id: 'acme', sha256: apiKeyDigest(API_KEY), scopes: ['orders:read'] }] },
        failure_limit: { limit: 10_000, window_s: 60 },
      },
    });
  });

  after(async () => {
    await gateway.stop();
    await subgraph.stop();
    await jwks.stop();
  });

  const ask = (headers: Record<string, string>) => postGraphQL(gateway.url, { query: '{ whoami }' }, headers);
  const bearer = async (extra: Record<string, unknown>) => ({ authorization: `Bearer ${await signToken(key, { ...claims, ...extra })}` });
  const lastHeaders = () => subgraph.received.at(-1)!;
  /** A forwarded claim as the subgraph reads it back: JSON.parse(decodeURIComponent(header)). */
  const forwarded = (claim: string) => JSON.parse(decodeURIComponent(lastHeaders()[`x-tollgate-claim-${claim}`] as string));

  function assertRefused(result: GraphQLHttpResult, reason: string, message?: RegExp): void {
    assert.equal(result.status, 401, JSON.stringify(result.body));
    assert.equal(result.body.errors[0].extensions.code, 'UNAUTHENTICATED');
    assert.equal(result.body.errors[0].extensions.reason, reason);
    if (message) assert.match(result.body.errors[0].message, message);
  }

  test('control characters in sub, client id or a forwarded claim → 401 invalid_claim; no subgraph call', async () => {
    const calls = subgraph.received.length;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ sub: 'u1\r\nx-injected: 1' }, /\(sub\)/],
      [{ sub: 'u1\u0000' }, /\(sub\)/],
      [{ sub: 'u1\u0085' }, /\(sub\)/],
      [{ client_id: 'web\napp' }, /\(client_id\)/],
      [{ tenant: 'acme\r\nx-tollgate-sub: admin' }, /\(tenant\)/],
      [{ tenant: { nested: 'a\u007fb' } }, /\(tenant\)/],
    ];
    for (const [extra, message] of cases) assertRefused(await ask(await bearer(extra)), 'invalid_claim', message);
    assert.equal(subgraph.received.length, calls);
  });

  test('a scope holding whitespace → 401: "orders:read admin" never arrives as two scopes', async () => {
    const calls = subgraph.received.length;
    assertRefused(await ask(await bearer({ scope: ['orders:read admin'] })), 'invalid_claim', /\(scope\)/);
    assertRefused(await ask(await bearer({ scope: 'orders:read\tadmin' })), 'invalid_claim', /\(scope\)/);
    assert.equal(subgraph.received.length, calls);
    // The space-separated string form is the list it spells.
    const ok = await ask(await bearer({ scope: 'orders:read admin', groups: ['staff', 'Domain Admins'] }));
    assert.equal(ok.status, 200);
    assert.equal(lastHeaders()['x-tollgate-scopes'], 'orders:read admin');
    // A forwarded claim travels as JSON: an element holding a space stays one element.
    assert.deepEqual(forwarded('groups'), ['staff', 'Domain Admins']);
  });

  test('sub or client id that is not a non-empty string → 401 invalid_claim naming it; no subgraph call', async () => {
    const calls = subgraph.received.length;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ sub: { a: 1 } }, /\(sub\)/],
      [{ sub: 1 }, /\(sub\)/],
      [{ sub: '' }, /\(sub\)/],
      [{ sub: null }, /\(sub\)/],
      [{ sub: ['u1'] }, /\(sub\)/],
      [{ client_id: ['c1'] }, /\(client_id\)/],
      [{ client_id: 7 }, /\(client_id\)/],
      [{ client_id: '' }, /\(client_id\)/],
      [{ client_id: undefined, azp: { id: 'c1' } }, /\(azp\)/],
      [{ scope: 5 }, /\(scope\)/],
      [{ scope: ['orders:read', 1] }, /\(scope\)/],
    ];
    for (const [extra, message] of cases) assertRefused(await ask(await bearer(extra)), 'invalid_claim', message);
    assert.equal(subgraph.received.length, calls);
    // Without sub and client id at all: accepted, and no such headers.
    const result = await ask(await bearer({ sub: undefined, client_id: undefined }));
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(lastHeaders()['x-tollgate-sub'], undefined);
    assert.equal(lastHeaders()['x-tollgate-client'], undefined);
    assert.equal(result.body.data.whoami, 'anonymous');
  });

  test('forwarded claims arrive as JSON: value and type survive, distinct claims arrive distinct', async () => {
    const values: unknown[] = [
      123,
      '123',
      { a: 1 },
      '{"a":1}',
      'a b',
      ['a', 'b'],
      true,
      'true',
      null,
      'null',
      1.5e300,
      'zoë 100% "quoted" \\ back',
      { nested: ['x', { 'clé': 'ü' }], n: -0.25 },
      [],
      '',
    ];
    const arrived: string[] = [];
    for (const tenant of values) {
      const result = await ask(await bearer({ tenant }));
      assert.equal(result.status, 200, JSON.stringify(result.body));
      const raw = lastHeaders()['x-tollgate-claim-tenant'] as string;
      assert.match(raw, /^[\x20-\x7e]*$/, 'printable ASCII on the wire');
      assert.deepEqual(JSON.parse(decodeURIComponent(raw)), tenant, `${JSON.stringify(tenant)} arrives as itself`);
      arrived.push(raw);
    }
    assert.equal(new Set(arrived).size, values.length, 'every claim arrives distinct');
    assert.equal(arrived[0], '123');
    assert.equal(arrived[1], '"123"');
    assert.equal(arrived[4], '"a b"');
    assert.equal(arrived[5], '["a","b"]');
    // sub, client id and scopes are validated strings and stay as they are (no JSON quotes).
    await ask(await bearer({ tenant: 'x' }));
    assert.equal(lastHeaders()['x-tollgate-sub'], 'u1');
    assert.equal(lastHeaders()['x-tollgate-client'], 'web-app');
    assert.equal(lastHeaders()['x-tollgate-scopes'], 'profile');
  });

  test('control characters nested in a forwarded claim (values or keys) → 401 invalid_claim', async () => {
    const calls = subgraph.received.length;
    for (const tenant of [['ok', 'a\u0001b'], { deep: { deeper: ['x\ny'] } }, { 'k\r\n': 1 }, 'a\u0085']) {
      assertRefused(await ask(await bearer({ tenant })), 'invalid_claim', /\(tenant\)/);
    }
    assert.equal(subgraph.received.length, calls);
  });

  test('one encoding: "%" and non-ASCII percent-encoded, the rest as is; decodeURIComponent gives the claim back (JSON.parse too for a forwarded one)', async () => {
    const values = ['u1', 'u1%0D%0Ax-injected%3A%201', 'zoë', 'a b:c/d?e', '100%', 'ü%C3%BC'];
    const arrived: string[] = [];
    for (const sub of values) {
      const result = await ask(await bearer({ sub, tenant: sub }));
      assert.equal(result.status, 200, JSON.stringify(result.body));
      const headers = lastHeaders();
      assert.equal(decodeURIComponent(headers['x-tollgate-sub'] as string), sub);
      assert.equal(JSON.parse(decodeURIComponent(headers['x-tollgate-claim-tenant'] as string)), sub);
      assert.match(headers['x-tollgate-sub'] as string, /^[\x20-\x7e]*$/, 'printable ASCII on the wire');
      arrived.push(headers['x-tollgate-sub'] as string);
    }
    assert.deepEqual(arrived, ['u1', 'u1%250D%250Ax-injected%253A%25201', 'zo%C3%AB', 'a b:c/d?e', '100%25', '%C3%BC%25C3%25BC']);
    assert.equal(new Set(arrived).size, values.length, 'distinct claims arrive distinct');
  });

  test('a token and an API key together are ambiguous, whether the token is in the header or the cookie', async () => {
    const token = await signToken(key, claims);
    const calls = subgraph.received.length;
    for (const headers of [{ authorization: `Bearer ${token}` }, { cookie: `tg_token=${token}` }] as Array<Record<string, string>>) {
      const result = await ask({ ...headers, 'x-api-key': API_KEY });
      assert.equal(result.status, 401, JSON.stringify(result.body));
      assert.equal(result.body.errors[0].extensions.reason, 'ambiguous');
    }
    assert.equal(subgraph.received.length, calls);
    assert.equal((await ask({ cookie: `tg_token=${token}` })).status, 200);
    assert.equal((await ask({ 'x-api-key': API_KEY })).status, 200);
  });

  test('iat in the future beyond the clock tolerance → issued_in_future; within it → accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = (payload: Record<string, unknown>) =>
      new SignJWT({ ...claims, ...payload }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
    assertRefused(await ask({ authorization: `Bearer ${await signed({ iat: now + 600, exp: now + 900 })}` }), 'issued_in_future', /issued in the future/);
    assert.equal((await ask({ authorization: `Bearer ${await signed({ iat: now + 10, exp: now + 900 })}` })).status, 200);
  });

  test('max_token_age_s: too old by iat, or exp - iat (exp - now without iat) too long → refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const signed = (payload: Record<string, unknown>) =>
      new SignJWT({ ...claims, ...payload }).setProtectedHeader({ alg: 'RS256', kid: key.kid }).sign(key.privateKey);
    const bearerOf = async (payload: Record<string, unknown>) => ({ authorization: `Bearer ${await signed(payload)}` });
    assertRefused(await ask(await bearerOf({ iat: now, exp: 1e20 })), 'lifetime_too_long');
    assertRefused(await ask(await bearerOf({ exp: 1e20 })), 'lifetime_too_long');
    assertRefused(await ask(await bearerOf({ iat: now, exp: now + 2 * DAY })), 'lifetime_too_long');
    assertRefused(await ask(await bearerOf({ iat: now - 2 * DAY, exp: now + 60 })), 'too_old');
    assert.equal((await ask(await bearerOf({ iat: now - 60, exp: now + DAY - 120 }))).status, 200);
    assert.equal((await ask(await bearerOf({ exp: now + 3600 }))).status, 200, 'no iat, a sane exp');
  });
});

describe('authentication config: identity values and token age', () => {
  const parse = (authentication: Record<string, unknown>) => parseConfig({ supergraph: { file: 's.graphql' }, authentication }, {});
  const key = (extra: Record<string, unknown>) => ({ api_keys: { keys: [{ client_id: 'acme', sha256: 'a'.repeat(64), ...extra }] } });

  test('API key scopes may not hold whitespace, nor client ids and profiles control characters', () => {
    assert.throws(() => parse(key({ scopes: ['orders:read admin'] })), /authentication\.api_keys\.keys\.0\.scopes\.0: a scope may not contain whitespace/);
    assert.throws(() => parse(key({ client_id: 'acme\r\nx: 1' })), /authentication\.api_keys\.keys\.0\.client_id/);
    assert.throws(() => parse(key({ profile: 'partner\n' })), /authentication\.api_keys\.keys\.0\.profile/);
    assert.equal(parse(key({ scopes: ['orders:read', 'zoë'] })).authentication.api_keys?.keys[0]?.scopes.length, 2);
  });

  test('max_token_age_s defaults to 30 days; 0 turns it off', () => {
    const jwt = { jwks: [{ url: 'https://idp.test/jwks', algorithms: ['RS256'] }] };
    assert.equal(parse({ jwt }).authentication.jwt?.max_token_age_s, 2_592_000);
    assert.equal(parse({ jwt: { ...jwt, max_token_age_s: 0 } }).authentication.jwt?.max_token_age_s, 0);
  });
});
