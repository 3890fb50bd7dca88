// Demand control through a real gateway (stage 4): operations over `max` are refused before any
// subgraph is called (enforce) or only measured; documents that do not parse or validate still get
// Apollo Server's own errors; costs come from variables, GET parameters and persisted queries alike.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { itemsQuery, SHOP_SDL, startShopSubgraph } from '../quota/helpers.ts';

const MAX = 40;

describe('demand control through the gateway', () => {
  let subgraph: FixtureSubgraph;
  let enforce: RunningGateway;
  let measure: RunningGateway;

  before(async () => {
    subgraph = await startShopSubgraph();
    const supergraph = composeForTest([{ name: 'shop', routingUrl: subgraph.url, sdl: SHOP_SDL }]);
    const strategy = { static_estimated: { max: MAX } };
    enforce = await startTestGateway(supergraph, {
      demand_control: { enabled: true, mode: 'enforce', strategy },
      limits: { parser_max_tokens: 200 },
    });
    measure = await startTestGateway(supergraph, { demand_control: { enabled: true, mode: 'measure', strategy, cost_extensions: true } });
  });

  after(async () => {
    await enforce.stop();
    await measure.stop();
    await subgraph.stop();
  });

  /** Runs `fn` and returns how many requests the subgraph received meanwhile. */
  async function subgraphCallsDuring(fn: () => Promise<void>): Promise<number> {
    const before = subgraph.received.length;
    await fn();
    return subgraph.received.length - before;
  }

  test('enforce: over max → 400 COST_ESTIMATED_TOO_EXPENSIVE with extensions.cost, and no subgraph call', async () => {
    const calls = await subgraphCallsDuring(async () => {
      // items(first: 11) { id detail { text } } = 11 × (1 + 3) = 44
      const result = await postGraphQL(enforce.url, { query: itemsQuery(11) });
      assert.equal(result.status, 400);
      assert.deepEqual(result.body, {
        errors: [
          {
            message: 'Query estimated cost 44 exceeded configured maximum 40',
            extensions: { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: 44, max: 40 } },
          },
        ],
      });
    });
    assert.equal(calls, 0);
  });

  test('enforce: at max is admitted, and the response is untouched (cost_extensions off)', async () => {
    const result = await postGraphQL(enforce.url, { query: itemsQuery(10) });
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { data: { items: [{ id: 'i1', detail: { text: 'one' } }, { id: 'i2', detail: { text: 'two' } }] } });
  });

  test('list sizes come from variables, GET parameters and variable defaults', async () => {
    const query = 'query Items($n: Int = 20) { items(first: $n) { id detail { text } } }';
    assert.equal((await postGraphQL(enforce.url, { query, variables: { n: 10 } })).status, 200);
    const fromVariable = await postGraphQL(enforce.url, { query, variables: { n: 11 } });
    assert.deepEqual(fromVariable.body.errors[0].extensions.cost, { estimated: 44, max: 40 });
    const fromDefault = await postGraphQL(enforce.url, { query });
    assert.deepEqual(fromDefault.body.errors[0].extensions.cost, { estimated: 80, max: 40 });

    const calls = await subgraphCallsDuring(async () => {
      const search = new URLSearchParams({ query, variables: JSON.stringify({ n: 11 }) });
      const response = await fetch(`${enforce.url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
      assert.equal(response.status, 400);
      const body = (await response.json()) as any;
      assert.equal(body.errors[0].extensions.code, 'COST_ESTIMATED_TOO_EXPENSIVE');
    });
    assert.equal(calls, 0);
  });

  test('documents that do not parse or validate get Apollo\'s errors, even when they would be too expensive', async () => {
    // Request errors answer 200 under application/json (no accept), as GraphQL over HTTP says.
    const invalid = await postGraphQL(enforce.url, { query: '{ items(first: 100) { id nope } }' });
    assert.equal(invalid.status, 200);
    assert.equal(invalid.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(invalid.body.errors[0].message, /Cannot query field "nope" on type "Item"/);

    // The cost model prices these at 100 (over max), yet they do not validate: a validation error, not a cost one.
    for (const query of ['{ items(first: 100) { id ... on Detail { text } } }', 'query($n: String) { items(first: $n) { id } }']) {
      const result = await postGraphQL(enforce.url, { query, variables: { n: 100 } });
      assert.equal(result.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED', query);
    }

    const syntax = await postGraphQL(enforce.url, { query: '{ items(first: 100) { id ' });
    assert.equal(syntax.status, 200);
    assert.equal(syntax.body.errors[0].extensions.code, 'GRAPHQL_PARSE_FAILED');

    const tooManyTokens = await postGraphQL(enforce.url, { query: `{ ${'hello '.repeat(300)} }` });
    assert.equal(tooManyTokens.status, 200);
    assert.equal(tooManyTokens.body.errors[0].extensions.code, 'GRAPHQL_PARSE_FAILED');
    assert.match(tooManyTokens.body.errors[0].message, /more that 200 tokens/);

    // Whatever Apollo Server answers an unknown operation name with (today 500 INVALID_GRAPHQL, with
    // or without demand control), stage 4 leaves it to Apollo.
    const unknownOperation = await postGraphQL(enforce.url, { query: itemsQuery(100), operationName: 'Nope' });
    assert.match(unknownOperation.body.errors[0].message, /Unknown operation named "Nope"/);
    assert.notEqual(unknownOperation.body.errors[0].extensions.code, 'COST_ESTIMATED_TOO_EXPENSIVE');
  });

  test('enforce: a valid operation that cannot be costed (two slicing arguments) → COST_QUERY_PARSE_FAILURE', async () => {
    const calls = await subgraphCallsDuring(async () => {
      const result = await postGraphQL(enforce.url, { query: '{ window(before: 1, after: 2) { id } }' });
      assert.equal(result.status, 400);
      assert.deepEqual(result.body.errors[0], {
        message: 'Exactly one slicing argument is required, but found 2',
        extensions: { code: 'COST_QUERY_PARSE_FAILURE' },
      });
    });
    assert.equal(calls, 0);
    // Exactly one: fine.
    assert.equal((await postGraphQL(enforce.url, { query: '{ window(after: 2) { id } }' })).status, 200);
  });

  test('automatic persisted queries: a hash-only request is costed with its registered query', async () => {
    const query = 'query Apq($n: Int) { items(first: $n) { id detail { text } } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };
    // Unknown hash: Apollo's PERSISTED_QUERY_NOT_FOUND (nothing to cost yet).
    const unknown = await postGraphQL(enforce.url, { extensions: { persistedQuery }, variables: { n: 1 } } as any);
    assert.equal(unknown.body.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    // Registered with a cheap variable...
    const registered = await postGraphQL(enforce.url, { query, variables: { n: 1 }, extensions: { persistedQuery } } as any);
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    // ...then sent by hash alone: costed from the registered query, so an expensive one is refused.
    const calls = await subgraphCallsDuring(async () => {
      const expensive = await postGraphQL(enforce.url, { extensions: { persistedQuery }, variables: { n: 50 } } as any);
      assert.equal(expensive.status, 400);
      assert.deepEqual(expensive.body.errors[0].extensions, { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: 200, max: 40 } });
    });
    assert.equal(calls, 0);
    const cheap = await postGraphQL(enforce.url, { extensions: { persistedQuery }, variables: { n: 2 } } as any);
    assert.equal(cheap.status, 200);
    assert.equal(cheap.body.data.items.length, 2);
  });

  test('measure: over max is executed, and extensions.cost reports the estimate and the actual cost', async () => {
    const calls = await subgraphCallsDuring(async () => {
      const result = await postGraphQL(measure.url, { query: itemsQuery(100) });
      assert.equal(result.status, 200);
      assert.equal(result.body.data.items.length, 2);
      // No cost quota applies: no throttleStatus.
      assert.deepEqual(result.body.extensions, { cost: { requestedQueryCost: 400, actualQueryCost: 8 } });
    });
    assert.equal(calls, 1);
    // Not executed (validation failed): no extensions.cost.
    const invalid = await postGraphQL(measure.url, { query: '{ items { nope } }' });
    assert.equal(invalid.body.extensions, undefined);
  });
});
