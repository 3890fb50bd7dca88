// Issue 8's proof that the stage list is the real path: a request refused by stage 1 or 4 is never
// charged by stage 5, and a document is parsed once (stage 4), never again by Apollo Server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello: String }
  type Mutation { touch: String }`;

describe('stage order', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' }, Mutation: { touch: () => 'touched' } });
    const sdl = composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]);
    // One request quota for everyone (anonymous callers are counted by IP: all of them here).
    gateway = await startTestGateway(sdl, {
      limits: { http_max_request_bytes: 1024 },
      quotas: { rules: [{ key: ['client'], requests: { limit: 100, window_s: 3600 } }] },
    });
  });

  after(async () => {
    await gateway.stop();
    await subgraph.stop();
  });

  async function remaining(): Promise<number> {
    const admitted = await postGraphQL(gateway.url, { query: '{ hello }' });
    assert.equal(admitted.status, 200);
    return Number(admitted.headers.get('x-ratelimit-remaining'));
  }

  const refusals: Array<[string, () => Promise<Response>, number]> = [
    ['a GET without a CSRF-safe header (400)', () => fetch(`${gateway.url}?query=${encodeURIComponent('{ hello }')}`), 400],
    ['a mutation over GET (405)', () => fetch(`${gateway.url}?query=${encodeURIComponent('mutation { touch }')}`, { headers: { 'apollo-require-preflight': '1' } }), 405],
    ['a text/plain POST (415)', () => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{ hello }' }), 415],
    ['a body over the limit (413)', () => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ hello } # ${'x'.repeat(2000)}` }) }), 413],
    // Validation failures answer 200 under application/json (GraphQL over HTTP), refused all the same.
    ['an operation on a root type the schema lacks (200, application/json)', () => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'subscription { hello }' }) }), 200],
    ['an unknown operationName (400)', () => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query A { hello }', operationName: 'B' }) }), 400],
    ['a document that does not validate (200, application/json)', () => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ nope }' }) }), 200],
    ['a document that does not validate (400, application/graphql-response+json)', () => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify({ query: '{ nope }' }) }), 400],
    ['a document over a limit (400)', () => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: hello`).join(' ')} }` }) }), 400],
  ];

  for (const [name, send, status] of refusals) {
    test(`${name} leaves the quota untouched and calls no subgraph`, async () => {
      const before = await remaining();
      const subgraphCalls = subgraph.received.length;
      const refused = await send().then(undefined, (error) => assert.fail(error));
      assert.equal(refused.status, status);
      assert.equal(refused.headers.get('x-ratelimit-remaining'), null, 'a refused request carries no quota headers');
      await refused.text();
      assert.equal(subgraph.received.length, subgraphCalls);
      // The next admitted request took exactly one unit: the refused one took none.
      assert.equal(await remaining(), before - 1);
    });
  }

  test('an operation on a missing root type is a validation error with its location, not a 500', async () => {
    const result = await postGraphQL(gateway.url, { query: 'subscription { hello }' }, { accept: 'application/graphql-response+json' });
    assert.equal(result.status, 400);
    assert.equal(result.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.deepEqual(result.body.errors[0].locations, [{ line: 1, column: 1 }]);
  });

  test('a long unknown operationName is not echoed back whole', async () => {
    // Up to 256 characters it is a name: an unknown one is echoed at most 100 characters.
    const result = await postGraphQL(gateway.url, { query: 'query A { hello }', operationName: 'B'.repeat(256) });
    assert.equal(result.body.errors[0].extensions.code, 'OPERATION_RESOLUTION_FAILURE');
    assert.ok(JSON.stringify(result.body).length < 300, JSON.stringify(result.body));
    // Longer, stage 1 refuses it without echoing it at all.
    const long = await postGraphQL(gateway.url, { query: 'query A { hello }', operationName: 'B'.repeat(900) });
    assert.equal(long.status, 400);
    assert.equal(long.body.errors[0].extensions.code, 'BAD_REQUEST');
    assert.ok(JSON.stringify(long.body).length < 300, JSON.stringify(long.body));
  });

  test('a new document is parsed once, a repeated one never; Apollo Server parses nothing', async () => {
    const document = gateway.stages.graph!.document;
    const query = `query Once${Date.now()} { hello }`;
    const before = document.stats();
    for (let i = 0; i < 3; i++) assert.deepEqual((await postGraphQL(gateway.url, { query })).body, { data: { hello: 'world' } });
    const after = document.stats();
    assert.equal(after.parses - before.parses, 1);
    assert.equal(after.validations - before.validations, 1);
    assert.equal(after.cacheHits - before.cacheHits, 2);
    // Apollo's request pipeline found every document stage 4 validated: it parsed none itself.
    assert.equal(after.storeMisses, 0);
  });
});
