// Issue 10: what an attacker learns or amplifies through stages 1 and 4 — "Did you mean …?"
// suggestions with introspection off, long names echoed back, many introspection root fields,
// deeply nested variables.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getIntrospectionQuery } from 'graphql';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  enum Status { ACTIVE BLOCKED }
  input Filter { status: Status and: [Filter!] }
  type Query { me: User users(filter: Filter): [User!]! }
  type User @key(fields: "id") { id: ID! email: String status: Status friend: User }`;

const ME = { id: 'u1', email: 'ada@example.com', status: 'ACTIVE' };

describe('hostile documents', () => {
  let subgraph: FixtureSubgraph;
  let open: RunningGateway; // introspection on (default): suggestions on
  let closed: RunningGateway; // introspection off: suggestions off
  let closedButSuggesting: RunningGateway; // introspection off, server.suggestions: true

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { me: () => ME, users: () => [ME] } });
    const sdl = composeForTest([{ name: 'users', routingUrl: subgraph.url, sdl: SDL }]);
    open = await startTestGateway(sdl);
    closed = await startTestGateway(sdl, { server: { introspection: false } });
    closedButSuggesting = await startTestGateway(sdl, { server: { introspection: false, suggestions: true } });
  });

  after(async () => {
    await open.stop();
    await closed.stop();
    await closedButSuggesting.stop();
    await subgraph.stop();
  });

  describe('"Did you mean …?" follows introspection unless server.suggestions says otherwise', () => {
    const typos: Array<[string, string, RegExp]> = [
      ['a field', '{ me { emial } }', /"email"/],
      ['an argument', '{ users(filtr: {}) { id } }', /"filter"/],
      ['an enum value', '{ users(filter: { status: ACTIV }) { id } }', /"ACTIVE"/],
      ['an input field', '{ users(filter: { stauts: ACTIVE }) { id } }', /"status"/],
      ['a type', 'query ($f: Filtr) { users(filter: $f) { id } }', /"Filter"/],
    ];
    for (const [what, query, hint] of typos) {
      test(`${what}`, async () => {
        const suggested = await postGraphQL(open.url, { query });
        assert.equal(suggested.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
        assert.ok(suggested.body.errors.some((e: any) => /Did you mean/.test(e.message) && hint.test(e.message)), JSON.stringify(suggested.body));

        const hidden = await postGraphQL(closed.url, { query });
        assert.equal(hidden.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
        const text = JSON.stringify(hidden.body);
        assert.doesNotMatch(text, /Did you mean/);
        assert.doesNotMatch(text, hint);

        const kept = await postGraphQL(closedButSuggesting.url, { query });
        assert.ok(kept.body.errors.some((e: any) => /Did you mean/.test(e.message)), JSON.stringify(kept.body));
      });
    }

    test('the rest of the message stays: what was wrong, where', async () => {
      const hidden = await postGraphQL(closed.url, { query: '{ me { emial } }' });
      assert.equal(hidden.body.errors[0].message, 'Cannot query field "emial" on type "User".');
      assert.deepEqual(hidden.body.errors[0].locations, [{ line: 1, column: 8 }]);
    });
  });

  describe('amplification', () => {
    test('a 1 MB operationName → 400 BAD_REQUEST, not echoed', async () => {
      const result = await postGraphQL(open.url, { query: 'query A { me { id } }', operationName: 'x'.repeat(1_000_000) });
      assert.equal(result.status, 400);
      assert.equal(result.body.errors[0].extensions.code, 'BAD_REQUEST');
      assert.ok(JSON.stringify(result.body).length < 300);
    });

    test('an operationName of 256 characters runs; 257 is refused', async () => {
      const name = `Op${'x'.repeat(254)}`;
      const ok = await postGraphQL(open.url, { query: `query ${name} { me { id } }`, operationName: name });
      assert.deepEqual(ok.body, { data: { me: { id: 'u1' } } });
      const refused = await postGraphQL(open.url, { query: `query ${name}x { me { id } }`, operationName: `${name}x` });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.errors[0].extensions.code, 'BAD_REQUEST');
    });

    test('a variable name over 256 characters → 400 BAD_REQUEST, in `variables` or in the document', async () => {
      const long = 'v'.repeat(257);
      const inVariables = await postGraphQL(open.url, { query: '{ me { id } }', variables: { [long]: 1 } });
      assert.equal(inVariables.status, 400);
      assert.equal(inVariables.body.errors[0].extensions.code, 'BAD_REQUEST');
      assert.ok(JSON.stringify(inVariables.body).length < 300);
      const inDocument = await postGraphQL(open.url, { query: `query ($${long}: Filter) { users(filter: $${long}) { id } }` });
      assert.equal(inDocument.status, 400);
      assert.equal(inDocument.body.errors[0].extensions.code, 'BAD_REQUEST');
      assert.ok(JSON.stringify(inDocument.body).length < 300);
    });

    test('one introspection root field runs (the full introspection query); a second is refused', async () => {
      const full = await postGraphQL(open.url, { query: getIntrospectionQuery() });
      assert.equal(full.status, 200);
      assert.ok(full.body.data.__schema.types.length > 0);
      const two = await postGraphQL(open.url, { query: '{ __schema { queryType { name } } __type(name: "User") { name } }' });
      assert.equal(two.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.match(two.body.errors[0].message, /at most 1 introspection root field/);
    });

    test('300 aliased __schema (the 40 KB request that returned 2.36 MB) → refused with a small answer', async () => {
      const query = `{ ${Array.from({ length: 300 }, (_, i) => `s${i}: __schema { types { name fields { name } } }`).join(' ')} }`;
      for (const [accept, status] of [['application/json', 200], ['application/graphql-response+json', 400]] as const) {
        const result = await postGraphQL(open.url, { query }, { accept });
        assert.equal(result.status, status);
        assert.equal(result.body.data, undefined);
        assert.equal(result.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
        assert.ok(JSON.stringify(result.body).length < 1000);
      }
    });

    test('100,000 nested arrays in `variables` → 400 BAD_REQUEST (no stack overflow)', async () => {
      const body = `{"query":"{ me { id } }","variables":{"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
      const response = await fetch(open.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(response.status, 400);
      const result = (await response.json()) as any;
      assert.equal(result.errors[0].extensions.code, 'BAD_REQUEST');
      assert.match(result.errors[0].message, /at most 64 levels/);
    });

    test('`variables` 64 levels deep are accepted, deeper are not; `extensions` likewise', async () => {
      // `variables` is level 1 and `f` level 2; each { and: [ … ] } around it adds two.
      const nested = (wraps: number) => {
        let filter: Record<string, unknown> = { status: 'ACTIVE' };
        for (let i = 0; i < wraps; i++) filter = { and: [filter] };
        return filter;
      };
      const query = 'query ($f: Filter) { users(filter: $f) { id } }';
      const ok = await postGraphQL(open.url, { query, variables: { f: nested(31) } }); // 2 + 62 = 64
      assert.equal(ok.status, 200, JSON.stringify(ok.body).slice(0, 300));
      assert.deepEqual(ok.body, { data: { users: [{ id: 'u1' }] } });
      const refused = await postGraphQL(open.url, { query, variables: { f: nested(32) } }); // 66
      assert.equal(refused.status, 400);
      assert.equal(refused.body.errors[0].extensions.code, 'BAD_REQUEST');

      let extensions: unknown = 1;
      for (let i = 0; i < 70; i++) extensions = [extensions];
      const response = await fetch(open.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { id } }', extensions: { x: extensions } }) });
      assert.equal(response.status, 400);
    });

    test('4,500 nested selection sets (within the token limit, beyond the parser\'s stack) → parse failure, not a 500', async () => {
      const n = 4500;
      const query = `{ me { ${'friend { '.repeat(n)}id${' }'.repeat(n)} } }`;
      const result = await postGraphQL(open.url, { query }, { accept: 'application/graphql-response+json' });
      assert.equal(result.status, 400);
      assert.equal(result.body.errors[0].extensions.code, 'GRAPHQL_PARSE_FAILED');
    });

    test('400 nested selection sets parse and are refused by max_depth', async () => {
      const n = 400;
      const query = `{ me { ${'friend { '.repeat(n)}id${' }'.repeat(n)} } }`;
      const result = await postGraphQL(open.url, { query });
      assert.equal(result.status, 400, JSON.stringify(result.body).slice(0, 400));
      assert.equal(result.body.errors[0].extensions.code, 'MAX_DEPTH_LIMIT');
    });

    test('GET: the same bounds on search parameters', async () => {
      const url = `${open.url}?query=${encodeURIComponent('{ me { id } }')}&operationName=${'x'.repeat(300)}`;
      const response = await fetch(url, { headers: { 'apollo-require-preflight': '1' } });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as any).errors[0].extensions.code, 'BAD_REQUEST');
    });
  });
});
