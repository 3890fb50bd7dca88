// Oracle-based compliance, "bank" fixture: unions whose members live in other subgraphs, an
// entity fetch failing for one object, mutations of two subgraphs in order. Every answer of
// Tollgate and of executor: apollo must be the monolith's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { postGraphQL } from '../../../support/gateway.ts';
import { complianceGateways, complianceTests, oracleAnswer, type ComplianceCase } from './harness.ts';
import { bankMonolith, startBankStack } from '../../../fixtures/compliance/bank.ts';

const cases: ComplianceCase[] = [
  {
    name: 'union of one subgraph, members entities of others',
    query: '{ feed { __typename ... on Notice { text } ... on Account { owner balance } } }',
  },
  {
    name: 'union members through two entity jumps (payment, then its accounts)',
    query: '{ feed { ... on Account { id payments { id from { owner } } } } }',
  },
  {
    name: 'aliases and a named fragment on the union, @include from a variable',
    query: 'query Q($owner: Boolean!) { feed { kind: __typename ...F } } fragment F on FeedItem { ... on Account { who: owner @include(if: $owner) id } ... on Notice { id } }',
    variables: { owner: false },
  },
];

describe('compliance: bank supergraph against its monolith', () => {
  const started = complianceGateways(startBankStack);


  // Read-only cases first: the mutation test below changes the store.
  complianceTests(started, bankMonolith(), cases);

  test('an entity fetch failing for one union member nulls that member only, as in the monolith', async () => {
    // Messages differ by design (subgraph errors are masked, README "Subgraph errors"): the data
    // and the error's path must not.
    const query = '{ feed { __typename ... on Payment { id amount } ... on Notice { text } } }';
    const expected = await oracleAnswer(bankMonolith(), query);
    assert.equal(expected.data.feed[3], null, 'pay2 is null');
    assert.notEqual(expected.data.feed[0], null, 'pay1 is not');
    assert.deepEqual(expected.errors.map((e: { path: unknown }) => e.path), [['feed', 3, 'amount']]);
    const paths = async (gateway: { url: string }) => {
      const actual = await postGraphQL(gateway.url, { query });
      assert.deepEqual(actual.body.data, expected.data);
      return actual.body.errors.map((e: { path: unknown }) => e.path);
    };
    assert.deepEqual(await paths(started.tollgate), [['feed', 3, 'amount']], 'tollgate names the object that failed');
    // The stock gateway differs: the entity fetch's representations are the Payment members only
    // (pay1, pay2), and it maps the subgraph's error path [_entities, 1, amount] back with the
    // representation's index (1) as the index in `feed`, not the object's position there (3):
    // the error names feed[1], a Notice that did not fail.
    assert.deepEqual(await paths(started.apollo), [['feed', 1, 'amount']], 'stock: representation index taken as the list index');
  });

  test('mutations of two subgraphs run in order, each seeing the previous one', async () => {
    const query = `mutation M($a: ID!, $b: ID!) {
      first: deposit(account: $a, amount: 5) { balance }
      moved: transfer(from: $a, to: $b, amount: 50) { id amount from { balance } to { balance } }
      after: deposit(account: $b, amount: 1) { id balance payments { id } }
    }`;
    const variables = { a: 'a1', b: 'a2' };
    const expected = await oracleAnswer(bankMonolith(), query, variables);
    assert.deepEqual(expected.data.first, { balance: 105 });
    assert.deepEqual(expected.data.after.balance, 71, 'the last deposit sees the transfer');
    // One gateway only: the subgraphs' store is changed by the mutation.
    const actual = await postGraphQL(started.tollgate.url, { query, variables });
    assert.deepEqual(actual.body, expected);
  });
});
