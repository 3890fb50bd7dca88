// No cache may keep a refusal: every error answer the gateway writes itself (stage 1's HTTP
// refusals, stage 4's validation and persisted-only refusals, bad variables JSON, the listener's
// 404) says `cache-control: no-store`, and a GET's answer, whose media type follows `accept`, says
// `vary: accept` too (merged with CORS's `origin`). Real gateway, real HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, startTestGateway } from '../../support/gateway.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello(name: String): String }`;
const WEB = 'https://web.example.com';

async function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const response = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

const tokens = (vary: string | null) => (vary ?? '').split(',').map((token) => token.trim()).filter(Boolean).sort();

describe('error answers are never cached', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let base: string;

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: (_root, args: any) => `hi ${args.name ?? 'world'}` } });
    gateway = await startTestGateway(composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]), {
      cors: { origins: [WEB] },
      clients: { profiles: { mobile: { persisted_only: true, client_names: ['ios-app'] } } },
    });
    base = `http://127.0.0.1:${gateway.port}`;
  });

  after(async () => {
    await gateway?.stop();
    await subgraph?.stop();
  });

  const graphqlGet = (params: Record<string, string>, headers: Record<string, string> = {}) =>
    send(`${base}/graphql?${new URLSearchParams(params)}`, { headers: { 'apollo-require-preflight': '1', ...headers } });

  test('GET refusals of stage 4 and of the variables: no-store, vary: accept (and origin)', async () => {
    const cases: Array<[string, Record<string, string>, Record<string, string>, number, string]> = [
      ['validation, graphql-response+json', { query: '{ nope }' }, { accept: 'application/graphql-response+json' }, 400, 'GRAPHQL_VALIDATION_FAILED'],
      ['validation, application/json', { query: '{ nope }' }, { accept: 'application/json' }, 200, 'GRAPHQL_VALIDATION_FAILED'],
      ['syntax', { query: '{ hello' }, {}, 200, 'GRAPHQL_PARSE_FAILED'],
      ['persisted only', { query: '{ hello }' }, { 'apollographql-client-name': 'ios-app' }, 400, 'PERSISTED_QUERY_ONLY'],
      ['variables not JSON', { query: 'query($n: String) { hello(name: $n) }', variables: '{nope' }, {}, 400, 'BAD_REQUEST'],
    ];
    for (const [name, params, headers, status, code] of cases) {
      const answer = await graphqlGet(params, { origin: WEB, ...headers });
      assert.equal(answer.status, status, name);
      assert.equal(JSON.parse(answer.text).errors[0].extensions.code, code, name);
      assert.equal(answer.headers.get('cache-control'), 'no-store', name);
      assert.deepEqual(tokens(answer.headers.get('vary')), ['accept', 'origin'], name);
    }
  });

  test('POST refusals: no-store, no vary: accept (a POST answer is not cached by URL)', async () => {
    const badJson = await send(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.headers.get('cache-control'), 'no-store');
    assert.deepEqual(tokens(badJson.headers.get('vary')), ['origin'], 'CORS\'s only');
    const invalid = await send(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ nope }"}' });
    assert.equal(invalid.headers.get('cache-control'), 'no-store');
  });

  test('stage 1 refusals of a GET (CSRF, accept) and the listener\'s 404: no-store', async () => {
    const csrf = await send(`${base}/graphql?query=${encodeURIComponent('{ hello }')}`);
    assert.equal(csrf.status, 400);
    assert.equal(csrf.headers.get('cache-control'), 'no-store');
    assert.deepEqual(tokens(csrf.headers.get('vary')), ['accept', 'origin']);
    const notAcceptable = await graphqlGet({ query: '{ hello }' }, { accept: 'text/html' });
    assert.equal(notAcceptable.status, 406);
    assert.equal(notAcceptable.headers.get('cache-control'), 'no-store');
    const unknown = await send(`${base}/nowhere`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('cache-control'), 'no-store');
  });
});
