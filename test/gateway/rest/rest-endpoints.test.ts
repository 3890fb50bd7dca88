// Issue 15 part 4: REST endpoints backed by trusted documents. A GET of a configured path runs the
// endpoint's document through the same stages as a GraphQL request; its query parameters are
// coerced by the variables' types (400 INVALID_PARAMETER, before anything is fetched); the body is
// the operation's data (or a part of it) with a strong ETag (If-None-Match → 304) and the
// Cache-Control its @cacheControl hints give; GraphQL errors become HTTP statuses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { apiKeysFor } from '../quota/helpers.ts';
import { DOCUMENTS, get, startShopGateway, startShopSubgraph, type ShopGateway } from './helpers.ts';

const ENDPOINTS = {
  '/echo': { document_id: 'echo', parameters: { number: 'n' } },
  '/items/one': { document_id: 'item', response_path: 'item' },
  '/items/price': { document_id: 'item-price' },
  '/items': { document_id: 'items' },
  '/secret': { document_id: 'secret' },
  '/broken': { document_id: 'broken' },
  '/first': { document_id: 'two', operation_name: 'First' },
};

describe('REST endpoints: parameters, answers, ETag and Cache-Control', () => {
  let subgraph: FixtureSubgraph;
  let shop: ShopGateway;

  before(async () => {
    subgraph = await startShopSubgraph();
    shop = await startShopGateway(subgraph, {
      rest_endpoints: { endpoints: ENDPOINTS },
      traffic_shaping: { all: { timeout_ms: 300, retry: { enabled: false } } },
    });
  });
  after(async () => {
    await shop?.stop();
    await subgraph?.stop();
  });

  test('query parameters are coerced by the variables\' types; a list repeats its parameter; a renamed variable binds its parameter only', async () => {
    const result = await get(`${shop.origin}/echo?id=7&number=-42&ratio=1.5e2&flag=true&color=GREEN&tags=a&tags=b&when=2026-01-01&n=5&utm_source=x`);
    assert.equal(result.status, 200);
    assert.equal(result.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(result.body, { echo: { id: '7', n: -42, ratio: 150, flag: true, color: 'GREEN', tags: ['a', 'b'], when: '2026-01-01' } });
    const one = await get(`${shop.origin}/echo?id=x&tags=only`);
    assert.deepEqual(one.body, { echo: { id: 'x', n: null, ratio: null, flag: null, color: null, tags: ['only'], when: null } });
  });

  const refusals: Array<[string, string, string, RegExp]> = [
    ['missing', '/echo', 'id', /^Query parameter "id" is required \(ID!\)$/],
    ['repeated', '/echo?id=1&id=2', 'id', /may be given only once/],
    ['invalid', '/echo?id=1&number=4.2', 'number', /must be an Int/],
    ['invalid', '/echo?id=1&number=2147483648', 'number', /must be an Int/],
    ['invalid', '/echo?id=1&number=', 'number', /must be an Int/],
    ['invalid', '/echo?id=1&ratio=NaN', 'ratio', /must be a Float/],
    ['invalid', '/echo?id=1&flag=yes', 'flag', /must be a Boolean \(true or false\)/],
    ['invalid', '/echo?id=1&color=BLUE', 'color', /must be one of RED, GREEN/],
  ];
  for (const [reason, path, parameter, message] of refusals) {
    test(`refused with 400 INVALID_PARAMETER before any fetch: ${path} (${reason})`, async () => {
      const fetched = subgraph.received.length;
      const result = await get(`${shop.origin}${path}`);
      assert.equal(result.status, 400);
      assert.equal(result.headers.get('cache-control'), 'no-store');
      const [error] = result.body.errors;
      assert.match(error.message, message);
      assert.equal(error.extensions.code, 'INVALID_PARAMETER');
      assert.equal(error.extensions.parameter, parameter);
      assert.equal(error.extensions.reason, reason);
      assert.equal(error.extensions.requestId, result.headers.get('x-request-id'));
      assert.equal(subgraph.received.length, fetched, 'nothing was fetched');
    });
  }

  test('the body is the data at response_path; a null there is 404 NOT_FOUND', async () => {
    const found = await get(`${shop.origin}/items/one?id=i1`);
    assert.equal(found.status, 200);
    assert.deepEqual(found.body, { id: 'i1', name: 'Kettle' });
    const missing = await get(`${shop.origin}/items/one?id=nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.errors[0].extensions.code, 'NOT_FOUND');
    assert.equal(missing.headers.get('cache-control'), 'no-store');
  });

  test('the operation named by operation_name runs', async () => {
    const result = await get(`${shop.origin}/first`);
    assert.deepEqual(result.body, { items: [{ id: 'i1' }, { id: 'i2' }] });
  });

  test('ETag is the SHA-256 of the body; If-None-Match with it (or weak, in a list, or *) answers 304 without a body', async () => {
    const first = await get(`${shop.origin}/items/one?id=i1`);
    const etag = first.headers.get('etag')!;
    assert.equal(etag, `"${createHash('sha256').update(first.text).digest('base64url')}"`);
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await get(`${shop.origin}/items/one?id=i1`, { 'if-none-match': ifNoneMatch });
      assert.equal(again.status, 304, ifNoneMatch);
      assert.equal(again.text, '');
      assert.equal(again.headers.get('etag'), etag);
      assert.equal(again.headers.get('cache-control'), 'public, max-age=60');
    }
    const changed = await get(`${shop.origin}/items/one?id=i2`, { 'if-none-match': etag });
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get('etag'), etag);
  });

  test('Cache-Control from the hints: the smallest max-age of the fields, PRIVATE if any field is', async () => {
    assert.equal((await get(`${shop.origin}/items/one?id=i1`)).headers.get('cache-control'), 'public, max-age=60'); // item 60 < Item 300
    assert.equal((await get(`${shop.origin}/items/price?id=i1`)).headers.get('cache-control'), 'private, max-age=30'); // price: 30, PRIVATE
    assert.equal((await get(`${shop.origin}/echo?id=1`)).headers.get('cache-control'), 'public, max-age=120'); // scalars inherit
  });

  test('errors map to statuses, without data: FORBIDDEN 403, a subgraph error 502, a subgraph timeout 504', async () => {
    const forbidden = await get(`${shop.origin}/secret`);
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.data, undefined);
    assert.equal(forbidden.body.errors[0].extensions.code, 'FORBIDDEN');
    const broken = await get(`${shop.origin}/broken`);
    assert.equal(broken.status, 502);
    assert.equal(broken.headers.get('cache-control'), 'no-store');
    assert.doesNotMatch(broken.text, /on fire/, 'the subgraph\'s message is masked as on the GraphQL path');
    subgraph.next({ kind: 'hang' });
    const slow = await get(`${shop.origin}/items`);
    assert.equal(slow.status, 504);
    assert.equal(slow.body.errors[0].extensions.code, 'SUBGRAPH_TIMEOUT');
  });

  test('GET only (405 with Allow: GET); an accept without JSON is 406', async () => {
    const post = await fetch(`${shop.origin}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    assert.equal(((await post.json()) as any).errors[0].extensions.code, 'METHOD_NOT_ALLOWED');
    const html = await get(`${shop.origin}/items`, { accept: 'text/html' });
    assert.equal(html.status, 406);
    assert.equal((await get(`${shop.origin}/items`, { accept: 'text/html, application/*;q=0.5' })).status, 200);
  });

  test('a path that is no endpoint is still 404 from the listener', async () => {
    const result = await get(`${shop.origin}/items/other`);
    assert.equal(result.status, 404);
    assert.equal(result.body.errors[0].extensions.code, 'NOT_FOUND');
  });

  test('GraphQL GET answers of a query get the same Cache-Control; POST and answers with errors stay no-store', async () => {
    const graphql = shop.gateway.url;
    const getItem = await fetch(`${graphql}?query=${encodeURIComponent(DOCUMENTS.item)}&variables=${encodeURIComponent('{"id":"i1"}')}`, { headers: { 'apollo-require-preflight': '1' } });
    assert.equal(getItem.status, 200);
    assert.equal(getItem.headers.get('cache-control'), 'public, max-age=60');
    assert.equal(getItem.headers.get('vary'), 'accept', 'one GET, two media types');
    const postItem = await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: DOCUMENTS.item, variables: { id: 'i1' } }) });
    assert.equal(postItem.headers.get('cache-control'), 'no-store');
    const getBroken = await fetch(`${graphql}?query=${encodeURIComponent(DOCUMENTS.broken)}`, { headers: { 'apollo-require-preflight': '1' } });
    assert.equal(getBroken.headers.get('cache-control'), 'no-store');
  });
});

describe('REST endpoints: the same identity, profiles, quotas and cost as the GraphQL path', () => {
  let subgraph: FixtureSubgraph;
  let shop: ShopGateway;
  const { keys, config: apiKeys } = apiKeysFor([{ clientId: 'ios-app', profile: 'mobile' }, { clientId: 'web-app', profile: 'web' }]);

  before(async () => {
    subgraph = await startShopSubgraph();
    shop = await startShopGateway(subgraph, {
      authentication: { required: true, api_keys: apiKeys },
      clients: { profiles: { mobile: { persisted_only: true }, web: { max_cost: 5 } } },
      demand_control: { enabled: true, mode: 'enforce' },
      quotas: { rules: [{ key: ['client'], requests: { limit: 3, window_s: 3600 } }] },
      rest_endpoints: { endpoints: ENDPOINTS },
    });
  });
  after(async () => {
    await shop?.stop();
    await subgraph?.stop();
  });

  test('no credential: 401 with the challenge, before anything is fetched', async () => {
    const fetched = subgraph.received.length;
    const result = await get(`${shop.origin}/items`);
    assert.equal(result.status, 401);
    assert.equal(result.body.errors[0].extensions.code, 'UNAUTHENTICATED');
    assert.ok(result.headers.get('www-authenticate'));
    assert.equal(subgraph.received.length, fetched);
  });

  test('a persisted-only profile runs its endpoints (trusted documents) and still may not send a query', async () => {
    const rest = await get(`${shop.origin}/items/one?id=i1`, { 'x-api-key': keys['ios-app']! });
    assert.equal(rest.status, 200);
    assert.deepEqual(rest.body, { id: 'i1', name: 'Kettle' });
    const query = await fetch(shop.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': keys['ios-app']! },
      body: JSON.stringify({ query: DOCUMENTS.item, variables: { id: 'i1' } }),
    });
    assert.equal(((await query.json()) as any).errors[0].extensions.code, 'PERSISTED_QUERY_ONLY');
  });

  test('the profile\'s max cost refuses an endpoint whose estimate is over it (400), before quotas', async () => {
    const result = await get(`${shop.origin}/items`, { 'x-api-key': keys['web-app']! }); // a list of 10 (assumed) Items: cost 10 > 5
    assert.equal(result.status, 400);
    assert.equal(result.body.errors[0].extensions.code, 'COST_ESTIMATED_TOO_EXPENSIVE');
    assert.equal(result.headers.get('cache-control'), 'no-store');
  });

  test('quotas count REST requests with GraphQL ones: the fourth request in the window is 429 with Retry-After', async () => {
    const key = { 'x-api-key': keys['web-app']! };
    // web-app made one request above (refused on cost, before quotas: not counted). Three are admitted:
    assert.equal((await get(`${shop.origin}/items/one?id=i1`, key)).status, 200);
    const graphql = await fetch(shop.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...key }, body: JSON.stringify({ documentId: 'item', variables: { id: 'i1' } }) });
    assert.equal(graphql.status, 200);
    const third = await get(`${shop.origin}/items/one?id=i2`, key);
    assert.equal(third.status, 200);
    assert.ok(third.headers.get('ratelimit-policy') ?? third.headers.get('ratelimit'), 'the quota headers ride along');
    const limited = await get(`${shop.origin}/items/one?id=i1`, key);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.errors[0].extensions.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });
});
