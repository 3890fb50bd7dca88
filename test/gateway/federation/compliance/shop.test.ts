// Oracle-based compliance: every query of the "shop" fixture answered by Tollgate (over the
// federated supergraph, real subgraphs on loopback) and by the monolithic graphql-js schema
// holding the same data must be deep-equal. Where the stock gateway (executor: apollo) answers
// differently, the case names the reason; it is asserted, so a change on either side shows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { postGraphQL } from '../../../support/gateway.ts';
import { complianceGateways, complianceTests, oracleAnswer, type ComplianceCase } from './harness.ts';
import { shopMonolith, startShopStack } from '../../../fixtures/compliance/shop.ts';

const cases: ComplianceCase[] = [
  { name: 'entity across three subgraphs, compound key jump', query: '{ products { id name sku { vendor code } reviews { id body } } }' },
  { name: 'root field with an argument and a variable', query: 'query Q($id: ID!) { product(id: $id) { name shippingUSD } }', variables: { id: 'p2' } },
  {
    name: '@requires of one field with two arguments (issue 13, 2)',
    query: '{ products { id shippingUSD shippingEUR } }',
    stockGatewayDiffers: 'the planner fetches one price(currency:) for both @requires: both resolvers get the EUR price',
  },
  {
    name: '@requires with arguments and the client asking a third (issue 13, 1)',
    query: '{ products { price(currency: "GBP") shippingEUR } }',
    stockGatewayDiffers: "the planner merges the client's price(currency: GBP) with the required EUR one",
  },
  { name: 'a zero price moves through the representation', query: '{ product(id: "p3") { price(currency: "USD") name } }' },
  { name: 'union with fragments on members, fields of other subgraphs', query: '{ search { __typename ... on Product { name reviews { body } } ... on Category { name } } }' },
  { name: 'aliases over the same field with different arguments', query: '{ products { usd: price(currency: "USD") eur: price(currency: "EUR") id } }' },
  { name: 'named fragment on an abstract type', query: '{ search { ...R } } fragment R on SearchResult { ... on Product { id sku { code } } }' },
  {
    name: '@include and @skip from variables',
    query: 'query Q($withReviews: Boolean!, $noName: Boolean!) { products { id name @skip(if: $noName) reviews @include(if: $withReviews) { id } } }',
    variables: { withReviews: true, noName: true },
  },
  { name: '@include false', query: 'query Q($r: Boolean!) { products { id reviews @include(if: $r) { id } } }', variables: { r: false } },
  { name: '__typename on every level', query: '{ products { __typename sku { __typename } reviews { __typename } } }' },
];

describe('compliance: shop supergraph against its monolith', () => {
  const started = complianceGateways(startShopStack);
  const oracle = shopMonolith();


  complianceTests(started, oracle, cases);

  test('a failing non-null field inside an entity fetch propagates as in the monolith', async () => {
    // Messages differ by design (subgraph errors are masked, README "Subgraph errors"): the data
    // and the error's path must not.
    const query = '{ products { id reviews { id stars } } }';
    const expected = await oracleAnswer(oracle, query);
    const actual = await postGraphQL(started.tollgate.url, { query });
    assert.deepEqual(actual.body.data, expected.data);
    assert.equal(expected.data.products[2], null, 'only the product with the failing review is null');
    assert.deepEqual(actual.body.errors.map((e: { path: unknown }) => e.path), expected.errors.map((e: { path: unknown }) => e.path));
  });

  test('mutations run in order (each sees the previous one)', async () => {
    const query = `mutation {
      first: addReview(code: "A1", body: "One", stars: 4) { id body }
      second: addReview(code: "A1", body: "Two", stars: 2) { id body stars }
    }`;
    const expected = await oracleAnswer(oracle, query);
    const actual = await postGraphQL(started.tollgate.url, { query });
    assert.deepEqual(actual.body, expected);
    assert.deepEqual(expected.data.second.id, 'r6');
  });
});
