// Issue 15 part 1: CORS, gateway-wide (`cors`) and per client profile (`clients.profiles.<name>.cors`).
// A preflight carries no credential, so it is answered for every origin some policy allows, with no
// stage run and nothing charged; the actual answer carries access-control-allow-origin only when the
// request's own profile allows the origin. An origin no policy allows is never echoed. Off by
// default: no CORS header at all. Real gateway, real HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../gateway/src/config/load.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, startTestGateway } from '../../support/gateway.ts';
import { apiKeysFor } from '../quota/helpers.ts';
import { DOCUMENTS, get, startShopGateway, startShopSubgraph, type ShopGateway } from '../rest/helpers.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello: String }`;

const WEB = 'https://web.example.com';
const CONSOLE = 'https://console.example.com';
const PREVIEW = 'https://pr-12.preview.example.com';
const EVIL = 'https://evil.example.net';

async function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) {
  const response = await fetch(url, { method: init.method ?? 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

/** What a browser sends before a cross-origin JSON POST. */
function preflight(url: string, origin: string, extra: Record<string, string> = {}) {
  return request(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization', ...extra },
  });
}

function post(url: string, origin: string | undefined, headers: Record<string, string> = {}, body = '{"query":"{ hello }"}') {
  return request(url, { headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}), ...headers }, body });
}

const CORS_HEADERS = ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age', 'access-control-expose-headers'];
const corsHeadersOf = (headers: Headers) => Object.fromEntries(CORS_HEADERS.flatMap((name) => (headers.has(name) ? [[name, headers.get(name)]] : [])));

describe('CORS', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let plain: RunningGateway;
  const { keys, config: apiKeys } = apiKeysFor([{ clientId: 'acme', profile: 'partner' }]);

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' } });
    const sdl = composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]);
    gateway = await startTestGateway(sdl, {
      authentication: { api_keys: apiKeys },
      cors: { origins: [WEB], match_origins: ['https://pr-[0-9]+\\.preview\\.example\\.com'], allow_credentials: true, expose_headers: ['x-request-id'], max_age_s: 600 },
      clients: {
        profiles: {
          partner: { require_authentication: true, cors: { origins: [] } },
          web: { client_names: ['web-app'] },
          console: { client_names: ['console'], cors: { origins: [CONSOLE] } },
        },
      },
      // One request a minute per IP: a preflight that counted would leave nothing for the request.
      redis: { url: '' },
      quotas: { rules: [{ key: ['ip'], requests: { limit: 1, window_s: 60 } }] },
    });
    plain = await startTestGateway(sdl);
  });

  after(async () => {
    await gateway.stop();
    await plain.stop();
    await subgraph.stop();
  });

  test('a preflight from an allowed origin: 204 with the headers, no stage run, no subgraph call, nothing charged', async () => {
    const calls = subgraph.received.length;
    for (let i = 0; i < 3; i++) {
      const answer = await preflight(gateway.url, WEB);
      assert.equal(answer.status, 204);
      assert.equal(answer.text, '');
      assert.deepEqual(corsHeadersOf(answer.headers), {
        'access-control-allow-origin': WEB,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'content-type, authorization',
        'access-control-max-age': '600',
        'access-control-expose-headers': 'x-request-id',
      });
      assert.match(answer.headers.get('vary') ?? '', /origin/);
      assert.ok(answer.headers.get('x-request-id'), 'a request id as every answer');
      assert.equal(answer.headers.get('ratelimit-policy'), null, 'stage 5 never ran');
    }
    assert.equal(subgraph.received.length, calls);
    // The quota of one request is still whole: the preflights charged nothing.
    const served = await post(gateway.url, WEB, { 'apollographql-client-name': 'web-app' });
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('access-control-allow-origin'), WEB);
  });

  test('a preflight is answered for every origin some policy allows: a profile\'s own, a pattern (matched whole)', async () => {
    assert.equal((await preflight(gateway.url, CONSOLE)).headers.get('access-control-allow-origin'), CONSOLE);
    assert.equal((await preflight(gateway.url, PREVIEW)).headers.get('access-control-allow-origin'), PREVIEW);
    for (const origin of [EVIL, `${PREVIEW}.evil.net`, `https://x.${WEB.slice(8)}`, 'null', `${WEB}/`]) {
      const answer = await preflight(gateway.url, origin);
      assert.equal(answer.status, 204);
      assert.deepEqual(corsHeadersOf(answer.headers), {}, `${origin} is never echoed`);
    }
  });

  test('a preflight whose header list is not header names gets none echoed', async () => {
    const answer = await preflight(gateway.url, WEB, { 'access-control-request-headers': 'content-type, x-a;b' });
    assert.equal(answer.headers.get('access-control-allow-origin'), WEB);
    assert.equal(answer.headers.get('access-control-allow-headers'), null);
  });

  test('the actual answer: the request\'s own profile decides which origin may read it', async () => {
    const cases: Array<[string, string, Record<string, string>, string | null]> = [
      ['web uses cors.origins', WEB, { 'apollographql-client-name': 'web-app' }, WEB],
      ['web: a pattern of cors.match_origins', PREVIEW, { 'apollographql-client-name': 'web-app' }, PREVIEW],
      ['web: not the console\'s origin', CONSOLE, { 'apollographql-client-name': 'web-app' }, null],
      ['console: its own origin', CONSOLE, { 'apollographql-client-name': 'console' }, CONSOLE],
      ['console: its own list replaces cors.origins', WEB, { 'apollographql-client-name': 'console' }, null],
      ['partner (cors.origins: []): no page may read it', WEB, { 'x-api-key': keys['acme']! }, null],
      ['anonymous (no profile of its own): cors.origins', WEB, {}, WEB],
      ['an origin no policy allows', EVIL, { 'apollographql-client-name': 'web-app' }, null],
    ];
    for (const [name, origin, headers, allowed] of cases) {
      // A request of its own IP budget is not needed: a limited answer carries the same CORS headers.
      const answer = await post(gateway.url, origin, headers);
      assert.equal(answer.headers.get('access-control-allow-origin'), allowed, name);
      assert.equal(answer.headers.get('access-control-allow-credentials'), allowed === null ? null : 'true', name);
      assert.match(answer.headers.get('vary') ?? '', /origin/, `${name}: vary`);
    }
  });

  test('an answer before stage 3 (a malformed request) can be read by any allowed origin, so the page learns why', async () => {
    const answer = await post(gateway.url, CONSOLE, {}, '{"query":');
    assert.equal(answer.status, 400);
    assert.equal(answer.headers.get('access-control-allow-origin'), CONSOLE);
    const evil = await post(gateway.url, EVIL, {}, '{"query":');
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
  });

  test('off by default: no CORS header, and OPTIONS is not a GraphQL method', async () => {
    const answer = await preflight(plain.url, WEB);
    assert.equal(answer.status, 405);
    assert.deepEqual(corsHeadersOf(answer.headers), {});
    const served = await post(plain.url, WEB);
    assert.equal(served.status, 200);
    assert.deepEqual(corsHeadersOf(served.headers), {});
    assert.equal(served.headers.get('vary'), null);
  });

  test('allow_any_origin: "*" and no credentials', async () => {
    const open = await startTestGateway(composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]), { cors: { allow_any_origin: true } });
    try {
      const answer = await preflight(open.url, EVIL);
      assert.equal(answer.headers.get('access-control-allow-origin'), '*');
      assert.equal(answer.headers.get('access-control-allow-credentials'), null);
      assert.equal((await post(open.url, EVIL)).headers.get('access-control-allow-origin'), '*');
    } finally {
      await open.stop();
    }
  });
});

// Answers a shared cache may keep (a cacheable GraphQL GET, a REST answer, the OpenAPI document)
// differ per origin (CORS) and per `accept`: `vary` must name both, one part never replacing the
// other's token. REST paths and the OpenAPI document answer GET only, and say so in a preflight.
describe('CORS with caching: GraphQL GET, REST endpoints, the OpenAPI document', () => {
  let subgraph: FixtureSubgraph;
  let shop: ShopGateway;
  const tokens = (vary: string | null) => (vary ?? '').split(',').map((token) => token.trim()).filter(Boolean).sort();

  before(async () => {
    subgraph = await startShopSubgraph();
    shop = await startShopGateway(subgraph, {
      cors: { origins: [WEB], expose_headers: ['x-request-id'] },
      clients: { profiles: { console: { client_names: ['console'], cors: { origins: [CONSOLE] } } } },
      rest_endpoints: { endpoints: { '/api/v1/items': { document_id: 'items' } } },
    });
  });

  after(async () => {
    await shop?.stop();
    await subgraph?.stop();
  });

  test('a cacheable GraphQL GET from an allowed origin: vary names origin and accept', async () => {
    const url = `${shop.origin}/graphql?query=${encodeURIComponent(DOCUMENTS.items)}`;
    const answer = await get(url, { origin: WEB, 'apollo-require-preflight': '1' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'public, max-age=60');
    assert.equal(answer.headers.get('access-control-allow-origin'), WEB);
    // `console` is picked by a client name: the client-name header chooses the answer's CORS too.
    assert.deepEqual(tokens(answer.headers.get('vary')), ['accept', 'apollographql-client-name', 'origin']);
    // A trusted document by id: the same.
    const byId = await get(`${shop.origin}/graphql?documentId=items`, { origin: WEB, 'apollo-require-preflight': '1' });
    assert.equal(byId.status, 200);
    assert.deepEqual(tokens(byId.headers.get('vary')), ['accept', 'apollographql-client-name', 'origin']);
  });

  test('a REST answer (200, 304, refused) says vary: origin (and the client-name header when cacheable), with the origin allowed', async () => {
    const url = `${shop.origin}/api/v1/items`;
    const answer = await get(url, { origin: WEB });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('access-control-allow-origin'), WEB);
    assert.deepEqual(tokens(answer.headers.get('vary')), ['apollographql-client-name', 'origin']);
    const revalidated = await get(url, { origin: WEB, 'if-none-match': answer.headers.get('etag')! });
    assert.equal(revalidated.status, 304);
    assert.deepEqual(tokens(revalidated.headers.get('vary')), ['apollographql-client-name', 'origin']);
    const refused = await get(`${url}?unknown=1`, { origin: WEB, accept: 'text/html' });
    assert.equal(refused.status, 406);
    assert.deepEqual(tokens(refused.headers.get('vary')), ['origin']);
    assert.equal(refused.headers.get('access-control-allow-origin'), WEB);
  });

  test('the OpenAPI document is readable cross-origin: CORS headers, vary: origin, a preflight', async () => {
    const url = `${shop.origin}/api/openapi.json`;
    const answer = await get(url, { origin: CONSOLE });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.openapi.startsWith('3.1'), true);
    assert.equal(answer.headers.get('access-control-allow-origin'), CONSOLE, 'every origin the preflight allows (a profile\'s own too)');
    assert.equal(answer.headers.get('access-control-expose-headers'), 'x-request-id');
    assert.deepEqual(tokens(answer.headers.get('vary')), ['origin']);
    const evil = await get(url, { origin: EVIL });
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    assert.deepEqual(tokens(evil.headers.get('vary')), ['origin']);
    const preflighted = await request(url, { method: 'OPTIONS', headers: { origin: WEB, 'access-control-request-method': 'GET' } });
    assert.equal(preflighted.status, 204);
    assert.equal(preflighted.headers.get('access-control-allow-origin'), WEB);
    assert.equal(preflighted.headers.get('access-control-allow-methods'), 'GET, OPTIONS');
    // A plain OPTIONS (no preflight) is still not a method it answers.
    assert.equal((await request(url, { method: 'OPTIONS' })).status, 405);
  });

  test('a preflight of a REST endpoint advertises GET, OPTIONS (POST would get 405); the GraphQL path keeps POST', async () => {
    const rest = await request(`${shop.origin}/api/v1/items`, { method: 'OPTIONS', headers: { origin: WEB, 'access-control-request-method': 'GET' } });
    assert.equal(rest.status, 204);
    assert.equal(rest.headers.get('access-control-allow-origin'), WEB);
    assert.equal(rest.headers.get('access-control-allow-methods'), 'GET, OPTIONS');
    assert.equal((await request(`${shop.origin}/api/v1/items`, { method: 'POST', headers: { origin: WEB } })).status, 405);
    const graphql = await preflight(`${shop.origin}/graphql`, WEB);
    assert.equal(graphql.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
  });
});

describe('CORS config errors name the key', () => {
  const refusals: Array<[string, unknown, RegExp]> = [
    ['any origin with credentials', { cors: { allow_any_origin: true, allow_credentials: true } }, /cors\.allow_credentials: browsers refuse credentials with any origin/],
    ['any origin with a list', { cors: { allow_any_origin: true, origins: [WEB] } }, /cors\.allow_any_origin: set with origins or match_origins/],
    ['a trailing slash', { cors: { origins: [`${WEB}/`] } }, /cors\.origins\.0: expected an origin as browsers send it/],
    ['"*" as an origin', { cors: { origins: ['*'] } }, /cors\.origins\.0: not an origin: for any origin set cors\.allow_any_origin/],
    ['the null origin', { clients: { profiles: { web: { cors: { origins: ['null'] } } } } }, /clients\.profiles\.web\.cors\.origins\.0: the "null" origin/],
    ['a pattern that does not compile', { clients: { profiles: { web: { cors: { match_origins: ['https://(x'] } } } } }, /clients\.profiles\.web\.cors\.match_origins\.0: not a valid regular expression/],
    ['an unknown key', { cors: { allow_origins: [WEB] } }, /cors\.allow_origins: unknown key/],
  ];
  for (const [name, config, message] of refusals) {
    test(name, () => {
      assert.throws(() => parseConfig({ supergraph: { file: 'x.graphql' }, ...(config as object) }), (error: Error) => error.name === 'ConfigError' && message.test(error.message));
    });
  }
});
