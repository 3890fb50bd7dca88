// Issue 13: four plans of @apollo/query-planner 2.14.4 that give clients wrong data or silent
// nulls, each with the one right answer. Tollgate's executor corrects the plan before it runs
// (gateway/src/federation/executor/plan-corrections/); every case asserts it ran on Tollgate's
// executor. `executor: apollo` still answers what the planner planned: these tests pin that too,
// so the day the stock gateway agrees, the difference shows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { postGraphQL } from '../../support/gateway.ts';
import { complianceGateways } from './compliance/harness.ts';
import { sentRepresentations } from '../../support/representations.ts';
import {
  startKeysStack,
  startPostsStack,
  startPricesStack,
  startUnreachableStack,
  type FixtureStack,
} from '../../fixtures/planner/supergraphs.ts';

/** The fixture's subgraphs and a gateway per executor over them, for the suite. */
const withStack = (start: () => Promise<FixtureStack>) => complianceGateways(start);

/** Posts to Tollgate's executor and checks it (not the @apollo/gateway fallback) ran the plan. */
async function askTollgate(gateway: RunningGateway, request: { query: string; variables?: Record<string, unknown> }) {
  const stats = gateway.federation.executorStats!;
  const before = { tollgate: stats.tollgate, apollo: stats.apollo };
  const response = await postGraphQL(gateway.url, request);
  assert.deepEqual({ tollgate: stats.tollgate - before.tollgate, apollo: stats.apollo - before.apollo }, { tollgate: 1, apollo: 0 }, 'ran on Tollgate');
  return response;
}

const representations = (stack: FixtureStack, subgraph: string, from: number) =>
  stack.subgraphs[subgraph]!.requests.slice(from).flatMap(sentRepresentations);

describe('planner correction 1: @requires with arguments, the client asks other arguments', () => {
  const s = withStack(startPostsStack);
  // p1's first three comments are by ann, bob, bob; p2's by dee, dee, eve.
  const oneComment = { data: { posts: [{ topCommenter: 'bob of 3', comments: [{ id: 'c1' }] }, { topCommenter: 'dee of 3', comments: [{ id: 'c5' }] }] } };

  const cases: Array<{ name: string; query: string; variables?: Record<string, unknown>; expected: unknown }> = [
    { name: 'literal argument', query: '{ posts { topCommenter comments(limit: 1) { id } } }', expected: oneComment },
    { name: 'argument in a variable', query: 'query Q($n: Int!) { posts { topCommenter comments(limit: $n) { id } } }', variables: { n: 1 }, expected: oneComment },
    { name: "argument in a variable's default", query: 'query Q($n: Int! = 1) { posts { topCommenter comments(limit: $n) { id } } }', expected: oneComment },
    {
      name: 'the field spread through two fragments',
      query: '{ posts { ...A ...B } } fragment A on Post { topCommenter comments(limit: 1) { id } } fragment B on Post { comments(limit: 1) { authorId } }',
      expected: { data: { posts: [{ topCommenter: 'bob of 3', comments: [{ id: 'c1', authorId: 'ann' }] }, { topCommenter: 'dee of 3', comments: [{ id: 'c5', authorId: 'dee' }] }] } },
    },
    {
      name: 'a variable whose value is the required argument',
      query: 'query Q($n: Int!) { posts { topCommenter comments(limit: $n) { id } } }',
      variables: { n: 3 },
      expected: { data: { posts: [{ topCommenter: 'bob of 3', comments: [{ id: 'c1' }, { id: 'c2' }, { id: 'c3' }] }, { topCommenter: 'dee of 3', comments: [{ id: 'c5' }, { id: 'c6' }, { id: 'c7' }] }] } },
    },
  ];
  for (const c of cases) {
    test(`${c.name}: the client gets its own comments, stats gets 3`, async () => {
      const from = s.stack.subgraphs['stats']!.requests.length;
      const response = await askTollgate(s.tollgate, { query: c.query, variables: c.variables });
      assert.deepEqual(response.body, c.expected);
      const sent = representations(s.stack, 'stats', from) as Array<{ comments: unknown[] }>;
      assert.deepEqual(sent.map((r) => r.comments.length), [3, 3]);
    });
  }

  test('executor: apollo still answers the merged field (the planner bug this corrects)', async () => {
    const response = await postGraphQL(s.apollo.url, { query: '{ posts { topCommenter comments(limit: 1) { id } } }' });
    assert.equal(response.body.data.posts[0].comments.length, 3);
  });
});

describe('planner correction 2: two @requires need one field with different arguments', () => {
  const s = withStack(startPricesStack);

  test('each representation carries the price in its own currency', async () => {
    const from = s.stack.subgraphs['shipping']!.requests.length;
    const response = await askTollgate(s.tollgate, { query: '{ products { id shippingUSD shippingEUR } }' });
    assert.deepEqual(response.body, { data: { products: [{ id: 'p1', shippingUSD: 105, shippingEUR: 96 }, { id: 'p2', shippingUSD: 255, shippingEUR: 234 }] } });
    const sent = representations(s.stack, 'shipping', from) as Array<{ id: string; price: number }>;
    assert.deepEqual(sent.map((r) => `${r.id}:${r.price}`).sort(), ['p1:100', 'p1:92', 'p2:230', 'p2:250']);
  });

  test('and the client asks a third currency for itself', async () => {
    const response = await askTollgate(s.tollgate, { query: '{ products { price(currency: "GBP") shippingEUR shippingUSD } }' });
    assert.deepEqual(response.body, { data: { products: [{ price: 79, shippingEUR: 96, shippingUSD: 105 }, { price: 198, shippingEUR: 234, shippingUSD: 255 }] } });
  });

  // Found by the cold check: a client alias equal to the required field's name (or another field
  // aliased to it) was merged with the required argument set, or dropped with the whole fetch.
  const aliasCases: Array<{ query: string; expected: unknown }> = [
    {
      query: '{ products { id shippingUSD price: price(currency: "USD") } }',
      expected: { data: { products: [{ id: 'p1', shippingUSD: 105, price: 100 }, { id: 'p2', shippingUSD: 255, price: 250 }] } },
    },
    {
      query: '{ products { price: price(currency: "GBP") shippingUSD } }',
      expected: { data: { products: [{ price: 79, shippingUSD: 105 }, { price: 198, shippingUSD: 255 }] } },
    },
    {
      query: '{ products { shippingEUR price: id } }',
      expected: { data: { products: [{ shippingEUR: 96, price: 'p1' }, { shippingEUR: 234, price: 'p2' }] } },
    },
    {
      query: '{ products { ... on Product { euro: price(currency: "EUR") price: price(currency: "GBP") } shippingEUR } }',
      expected: { data: { products: [{ euro: 92, price: 79, shippingEUR: 96 }, { euro: 230, price: 198, shippingEUR: 234 }] } },
    },
  ];
  for (const c of aliasCases) {
    test(`a client alias named like the required field: ${c.query}`, async () => {
      assert.deepEqual((await askTollgate(s.tollgate, { query: c.query })).body, c.expected);
    });
  }

  // Found by the second cold check: where another member of a union answers under the required
  // field's name, the planner aliases the required field itself (`price__alias_0`).
  test('a union member answering under the required field name', async () => {
    const response = await askTollgate(s.tollgate, { query: '{ feed { ... on Note { price: text } ... on Product { shippingUSD shippingEUR } } }' });
    assert.deepEqual(response.body, { data: { feed: [{ shippingUSD: 105, shippingEUR: 96 }, { price: 'hello' }, { shippingUSD: 255, shippingEUR: 234 }] } });
  });

  test('a split entity fetch sends only the variables its part uses', async () => {
    const query = 'query Q($x: Boolean!) { products { id shippingUSD @skip(if: $x) shippingEUR } }';
    const shown = await askTollgate(s.tollgate, { query, variables: { x: false } });
    assert.deepEqual(shown.body, { data: { products: [{ id: 'p1', shippingUSD: 105, shippingEUR: 96 }, { id: 'p2', shippingUSD: 255, shippingEUR: 234 }] } });
    const skipped = await askTollgate(s.tollgate, { query, variables: { x: true } });
    assert.deepEqual(skipped.body, { data: { products: [{ id: 'p1', shippingEUR: 96 }, { id: 'p2', shippingEUR: 234 }] } });
  });

  test("a client alias with Tollgate's reserved prefix is refused, naming it", async () => {
    const response = await postGraphQL(s.tollgate.url, { query: '{ products { __tollgate_required_price_0: price(currency: "GBP") shippingUSD } }' });
    // As any validation error: 200 for `accept: application/json` (README "GraphQL over HTTP").
    assert.equal(response.body.data, undefined);
    assert.equal(response.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(response.body.errors[0].message, /"__tollgate_required_price_0" is reserved/);
  });

  test('executor: apollo still gives both resolvers one price (the planner bug this corrects)', async () => {
    const response = await postGraphQL(s.apollo.url, { query: '{ products { shippingUSD shippingEUR } }' });
    const [p1] = response.body.data.products;
    assert.equal(p1.shippingUSD - 5, p1.shippingEUR - 4, 'one price for both');
  });
});

describe('planner correction 3: a non-resolvable key is never used for a jump', () => {
  const s = withStack(startKeysStack);

  test('the jump back after @requires carries the resolvable key', async () => {
    const from = s.stack.subgraphs['depot']!.requests.length;
    const response = await askTollgate(s.tollgate, { query: '{ things { id shippingCost } }' });
    assert.deepEqual(response.body, { data: { things: [{ id: 't1', shippingCost: 20 }, { id: 't2', shippingCost: 14 }] } });
    for (const representation of representations(s.stack, 'depot', from) as Array<Record<string, unknown>>) {
      assert.ok(representation['id'], `representation with the resolvable key: ${JSON.stringify(representation)}`);
    }
  });

  // Found by the cold check: a client field answering under the name of a field some @requires
  // needs bare (`weight: id`) was overwritten by the required value (or overwrote it).
  test('a client alias named like a field required without arguments keeps its own value', async () => {
    const response = await askTollgate(s.tollgate, { query: '{ things { shippingCost weight: id } }' });
    assert.deepEqual(response.body, { data: { things: [{ shippingCost: 20, weight: 't1' }, { shippingCost: 14, weight: 't2' }] } });
    const both = await askTollgate(s.tollgate, { query: '{ things { weight: id shippingCost } more: things { weight id } }' });
    assert.deepEqual(both.body, {
      data: {
        things: [{ weight: 't1', shippingCost: 20 }, { weight: 't2', shippingCost: 14 }],
        more: [{ weight: 10, id: 't1' }, { weight: 7, id: 't2' }],
      },
    });
  });

  test('executor: apollo still sends the non-resolvable key and loses the data silently', async () => {
    const response = await postGraphQL(s.apollo.url, { query: '{ things { id shippingCost } }' });
    assert.equal(response.body.data, null);
    assert.equal(response.body.errors, undefined);
  });
});

describe('planner correction 4: a field reachable only through a non-resolvable @interfaceObject', () => {
  const s = withStack(startUnreachableStack);

  for (const query of ['{ a { note } }', '{ a { id note } }']) {
    test(`${query} is refused, naming the field`, async () => {
      const response = await askTollgateRefusal(s.tollgate, query);
      assert.equal(response.status, 400);
      assert.equal(response.body.data, undefined);
      assert.equal(response.body.errors.length, 1);
      const [error] = response.body.errors;
      assert.equal(error.extensions.code, 'FIELD_NOT_REACHABLE');
      assert.match(error.message, /"Shelf\.note"/);
      assert.deepEqual(error.extensions.field, 'Shelf.note');
      assert.deepEqual(error.path, undefined);
    });
  }

  // Found by the cold check: a field the query skips is not selected, so not refused.
  test('skipped by a literal @skip/@include: answered as the stock gateway answers', async () => {
    for (const query of ['{ a { id note @skip(if: true) } }', '{ a { ... on Shelf @include(if: false) { note } id } }']) {
      const response = await askTollgate(s.tollgate, { query });
      assert.deepEqual(response.body, (await postGraphQL(s.apollo.url, { query })).body, query);
      assert.equal(response.body.errors, undefined, query);
    }
  });

  test('under @include with a variable: refused only on the requests that select it', async () => {
    const query = 'query Q($x: Boolean!, $y: Boolean = true) { a { id note @include(if: $x) @skip(if: $y) } }';
    const skipped = await askTollgate(s.tollgate, { query, variables: { x: true } });
    assert.deepEqual(skipped.body, { data: { a: null } }, '$y defaults to true: skipped');
    const excluded = await askTollgate(s.tollgate, { query, variables: { x: false, y: false } });
    assert.deepEqual(excluded.body, { data: { a: null } });
    const selected = await askTollgateRefusal(s.tollgate, query, { x: true, y: false });
    assert.equal(selected.status, 400);
    assert.equal(selected.body.errors[0].extensions.code, 'FIELD_NOT_REACHABLE');
    assert.equal(selected.body.errors[0].extensions.field, 'Shelf.note');
  });

  test('a reachable selection of the same type still runs', async () => {
    const response = await askTollgate(s.tollgate, { query: '{ a { id } }' });
    assert.deepEqual(response.body, { data: { a: null } });
  });

  test('executor: apollo still answers a silent null', async () => {
    const response = await postGraphQL(s.apollo.url, { query: '{ a { note } }' });
    assert.deepEqual(response.body, { data: { a: null } });
  });
});

/** A refused operation runs on neither executor. */
async function askTollgateRefusal(gateway: RunningGateway, query: string, variables?: Record<string, unknown>) {
  const stats = gateway.federation.executorStats!;
  const before = stats.tollgate + stats.apollo;
  const response = await postGraphQL(gateway.url, { query, variables });
  assert.equal(stats.tollgate + stats.apollo, before, 'no plan ran');
  return response;
}
