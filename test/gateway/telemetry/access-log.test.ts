// The access log (issue 12 part 3): one JSON line per request with what the gateway decided and
// measured — request id, client, profile, operation, status, error codes, cost, quota decision,
// duration, subgraph fetches — and never a credential, a cookie or a variable value unless the
// allowlist names it. Every GraphQL error names the request id in its extensions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, startLoggedGateway, type LoggedGateway } from '../../support/gateway.ts';
import { apiKeysFor } from '../quota/helpers.ts';

const FED = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])`;
const PRODUCTS_SDL = `${FED}
  type Query { products(first: Int, secret: String): [Product] }
  type Product @key(fields: "id") { id: ID! name: String }`;
const REVIEWS_SDL = `${FED}
  type Product @key(fields: "id") { id: ID! stars: Int }
  type Query { broken: String }`;

const API_KEY_CLIENTS = [{ clientId: 'mobile-app', profile: 'partner' }];
const SECRET_VARIABLE = 'hunter2-do-not-log';
const COOKIE_VALUE = 'session-cookie-do-not-log';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as any };
}

describe('access log', () => {
  let products: FixtureSubgraph;
  let reviews: FixtureSubgraph;
  let logged: LoggedGateway & { file: string };
  const { keys, config: apiKeys } = apiKeysFor(API_KEY_CLIENTS);
  const apiKey = keys['mobile-app']!;
  const accessLine = (requestId: string | null) => {
    const line = logged.logs.find((entry) => entry.msg === 'request' && entry.requestId === requestId);
    assert.ok(line, `an access log line for ${requestId}`);
    return line;
  };
  const rawLines = () => logged.logs.map((line) => JSON.stringify(line)).join('\n');

  before(async () => {
    products = await startFixtureSubgraph(PRODUCTS_SDL, {
      Query: { products: (_: unknown, args: { first?: number }) => Array.from({ length: args.first ?? 2 }, (_, i) => ({ id: String(i), name: `P${i}` })) },
    });
    reviews = await startFixtureSubgraph(REVIEWS_SDL, {
      Query: { broken: () => { throw new Error('reviews exploded'); } },
      Product: { __resolveReference: (ref: unknown) => ({ id: (ref as { id: string }).id, stars: 5 }) },
    });
    const supergraph = composeForTest([
      { name: 'products', routingUrl: products.url, sdl: PRODUCTS_SDL },
      { name: 'reviews', routingUrl: reviews.url, sdl: REVIEWS_SDL },
    ]);
    logged = await startLoggedGateway(supergraph, {
      authentication: { api_keys: apiKeys },
      redis: { url: '' },
      quotas: { rules: [{ key: ['client'], requests: { limit: 3, window_s: 600 } }] },
      demand_control: { enabled: true, mode: 'measure' },
      telemetry: { logging: { variables: ['first'] } },
    });
  });
  after(async () => {
    await logged?.stop();
    await products?.stop();
    await reviews?.stop();
  });

  test('a served request: client, profile, operation, cost, quota, fetches; no key, cookie or unlisted variable', async () => {
    const response = await post(
      logged.gateway.url,
      { query: 'query Shelf($first: Int, $secret: String) { products(first: $first, secret: $secret) { id name stars } }', variables: { first: 2, secret: SECRET_VARIABLE } },
      { 'x-api-key': apiKey, cookie: `sid=${COOKIE_VALUE}`, 'apollographql-client-name': 'ios', 'apollographql-client-version': '3.4.0 (1021)' },
    );
    assert.equal(response.status, 200);
    assert.equal(response.body.data.products.length, 2);
    const line = accessLine(response.requestId);
    assert.equal(line.level, 30);
    assert.equal(line.method, 'POST');
    assert.equal(line.path, '/graphql');
    assert.equal(line.status, 200);
    assert.equal(line.outcome, 'ok');
    assert.equal(line.clientId, 'mobile-app');
    assert.equal(line.clientName, 'ios');
    assert.equal(line.clientVersion, '3.4.0 (1021)');
    assert.equal(line.profile, 'partner');
    assert.equal(line.operationName, 'Shelf');
    assert.equal(line.operationType, 'query');
    assert.equal(line.errorCodes, undefined);
    // products (list of 10 assumed by the estimate), their stars from reviews; actual from 2 answers.
    assert.equal(typeof line.cost.estimated, 'number');
    assert.equal(typeof line.cost.actual, 'number');
    assert.ok(line.cost.actual < line.cost.estimated, `actual ${line.cost.actual} below estimate ${line.cost.estimated}`);
    assert.deepEqual(line.quota, { decision: 'admitted', policy: 'requests', remaining: 2 });
    assert.equal(line.subgraphFetches, 2);
    assert.deepEqual(line.subgraphs, ['products', 'reviews']);
    assert.deepEqual(line.variables, { first: 2 });
    assert.equal(typeof line.durationMs, 'number');
    assert.equal(line.traceId, undefined, 'tracing is off');
    const text = rawLines();
    for (const secret of [apiKey, COOKIE_VALUE, SECRET_VARIABLE]) assert.ok(!text.includes(secret), `${secret} must not be logged`);
  });

  test('errors: every GraphQL error names the request id; the line lists the codes', async () => {
    const partial = await post(logged.gateway.url, { query: '{ broken }' }, { 'x-api-key': apiKey });
    assert.equal(partial.status, 200);
    assert.ok(partial.body.errors.length > 0);
    for (const error of partial.body.errors) assert.equal(error.extensions.requestId, partial.requestId);
    const partialLine = accessLine(partial.requestId);
    assert.equal(partialLine.outcome, 'ok_with_errors');
    assert.deepEqual(partialLine.errorCodes, ['DOWNSTREAM_SERVICE_ERROR']);
    assert.equal(partialLine.operationName, null, 'anonymous');
    assert.deepEqual(partialLine.subgraphs, ['reviews']);

    const invalid = await post(logged.gateway.url, { query: '{ nope }' }, { 'x-request-id': 'client-chosen-id-1' });
    assert.equal(invalid.requestId, 'client-chosen-id-1');
    assert.equal(invalid.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(invalid.body.errors[0].extensions.requestId, 'client-chosen-id-1');
    const invalidLine = accessLine('client-chosen-id-1');
    assert.deepEqual(invalidLine.errorCodes, ['GRAPHQL_VALIDATION_FAILED']);
    assert.equal(invalidLine.profile, 'anonymous');
    assert.equal(invalidLine.operationName, undefined, 'not resolved');
    assert.equal(invalidLine.subgraphFetches, 0);

    const badKey = await post(logged.gateway.url, { query: '{ broken }' }, { 'x-api-key': 'tg_wrong_key_0123456789' });
    assert.equal(badKey.status, 401);
    assert.equal(badKey.body.errors[0].extensions.requestId, badKey.requestId);
    assert.deepEqual(accessLine(badKey.requestId).errorCodes, ['UNAUTHENTICATED']);
    assert.ok(!rawLines().includes('tg_wrong_key_0123456789'), 'a refused key is not logged either');

    const notFound = await fetch(`${logged.gateway.url.replace('/graphql', '/nowhere')}`);
    const notFoundBody = (await notFound.json()) as any;
    assert.equal(notFoundBody.errors[0].extensions.requestId, notFound.headers.get('x-request-id'));
    const notFoundLine = logged.logs.find((entry) => entry.requestId === notFound.headers.get('x-request-id'));
    assert.equal(notFoundLine?.status, 404, 'a 404 is logged with its request id');
  });

  test('client-chosen names are cut in the log line, so a line stays bounded', async () => {
    const longName = `Op${'x'.repeat(5000)}`;
    const response = await post(
      logged.gateway.url,
      { query: `query ${longName} { products(first: 1) { id } }` },
      { 'x-api-key': apiKey, 'apollographql-client-name': 'c'.repeat(5000), 'apollographql-client-version': `9.${'9'.repeat(4000)}` },
    );
    const line = accessLine(response.requestId);
    assert.equal(line.operationName, `${longName.slice(0, 200)}… (${longName.length} characters)`);
    assert.equal(line.clientName, `${'c'.repeat(200)}… (5000 characters)`);
    assert.equal(line.clientVersion, `9.${'9'.repeat(198)}… (4002 characters)`);
    assert.ok(JSON.stringify(line).length < 2500, 'the whole line stays small');
  });

  test('the client version: what is not printable ASCII becomes "?"; never a metric label', async () => {
    const response = await post(logged.gateway.url, { query: '{ products(first: 1) { id } }' }, { 'apollographql-client-name': 'web\u00e9', 'apollographql-client-version': '1.0\u00ff-rc\t1' });
    const line = accessLine(response.requestId);
    assert.equal(line.clientName, 'web?');
    assert.equal(line.clientVersion, '1.0?-rc?1');
    const metrics = await (await fetch(logged.gateway.url.replace('/graphql', '/metrics'))).text();
    assert.match(metrics, /tollgate_requests_total\{[^}]*client="web\?"/);
    assert.ok(!metrics.includes('1.0?-rc'), 'the version is in no series');
    assert.ok(!metrics.includes('3.4.0 (1021)'), 'the version is in no series');
  });

  test('a refused request: 429 with the refusing policy, no subgraph fetch', async () => {
    let limited: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 5 && limited === undefined; i++) {
      const response = await post(logged.gateway.url, { query: 'query Again { products(first: 1) { id } }' }, { 'x-api-key': apiKey });
      if (response.status === 429) limited = response;
    }
    assert.ok(limited, 'the quota of 3 refused a request');
    assert.equal(limited.body.errors[0].extensions.requestId, limited.requestId);
    const line = accessLine(limited.requestId);
    assert.equal(line.status, 429);
    assert.equal(line.outcome, 'RATE_LIMITED');
    assert.deepEqual(line.errorCodes, ['RATE_LIMITED']);
    assert.deepEqual(line.quota, { decision: 'limited', policy: 'requests', remaining: 0 });
    assert.equal(line.operationName, 'Again');
    assert.equal(line.subgraphFetches, 0);
    assert.deepEqual(line.subgraphs, []);
    assert.equal(line.cost.actual, undefined, 'never executed: no actual cost');
  });
});
