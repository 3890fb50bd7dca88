// Oracle-based compliance, "library" fixture: every query answered by Tollgate (over the federated
// supergraph, five real subgraphs on loopback) and by the monolithic graphql-js schema holding the
// same data must be deep-equal. Where the stock gateway (executor: apollo) answers otherwise, the
// case names the reason and asserts the difference, so the day it agrees, that shows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { postGraphQL } from '../../../support/gateway.ts';
import { complianceGateways, complianceTests, oracleAnswer, type ComplianceCase } from './harness.ts';
import { libraryMonolith, startLibraryStack } from '../../../fixtures/compliance/library.ts';

// Progressive override: @apollo/query-planner 2.14.4 starts every override label at false
// (QueryPlanner.collectAllOverrideLabels) and takes per-plan values from
// `buildQueryPlan(op, { overrideConditions })`. ApolloGateway passes none, so a labelled @override
// is never in effect there; Tollgate draws each percent(N) label per request, as the router does
// (plan-corrections/override-labels.ts).
const PROGRESSIVE_OVERRIDE_OFF =
  'the stock gateway never resolves progressive @override labels (the planner starts every label at false and it passes no override conditions), so percent(100) is still served by catalog';
// The planner merges a field with arguments deep in a @requires selection with the client's own
// selection of it, whatever their arguments: the stock gateway fetches one weight, the client's.
const DEEP_REQUIRES_ARGUMENT =
  "the stock gateway merges the argument deep in a @requires selection (dimensions { weight(unit: \"kg\") }) with the client's weight(unit: \"g\"): one weight is fetched, the client's, and shipping computes with grams as kilograms";

const cases: ComplianceCase[] = [
  // Entity interface (@key on the interface) and @interfaceObject.
  { name: 'entity interface: fragments on its implementations', query: '{ media { __typename id title ... on Book { author } ... on Film { director } } }' },
  { name: '@interfaceObject field selected on the interface', query: '{ media { id title rating } }' },
  { name: '@interfaceObject root field: __typename and fields from the interface owner', query: '{ topRated { __typename id title rating ... on Book { author } ... on Film { director } } }' },
  {
    name: 'aliases and a named fragment on the interface, inline fragments on the members',
    query: '{ media { ...M } } fragment M on Media { key: id stars: rating ... on Book { name: title writer: author } ... on Film { name: title } }',
  },
  {
    name: '@include/@skip from variables on fragments of an interface',
    query: 'query Q($books: Boolean!, $films: Boolean!) { media { id ... on Book @include(if: $books) { author rating } ... on Film @skip(if: $films) { director } } }',
    variables: { books: true, films: true },
  },
  {
    name: '@include/@skip from variables, the other way round',
    query: 'query Q($books: Boolean!, $films: Boolean!) { media { id ... on Book @include(if: $books) { author rating } ... on Film @skip(if: $films) { director } } }',
    variables: { books: false, films: false },
  },
  // @provides.
  { name: '@provides: the provided field with no fetch to its owner', query: '{ topReviews { id body book { id title } } }' },
  { name: '@provides and fields not provided (catalog, ratings through the interface)', query: '{ topReviews { body book { title author rating } } }' },
  // @inaccessible.
  { name: '@inaccessible key (isbn): the only key stock knows, used for the jump', query: '{ book(id: "b2") { title inStock publisher { website } } }' },
  // @shareable with partial overlap.
  { name: '@shareable partial overlap: Publisher from catalog and stock', query: '{ book(id: "b2") { publisher { name country website } } }' },
  { name: '@shareable partial overlap, through a list and an interface', query: '{ media { ... on Book { id publisher { website name country } } } }' },
  // @override.
  { name: '@override without a label: stock serves it', query: '{ media { ... on Book { id inStock } } }' },
  { name: '@override with label percent(0): catalog still serves it', query: '{ book(id: "b2") { copies } }' },
  {
    name: '@override with label percent(100): stock serves it',
    query: '{ media { ... on Book { id shelfCode } } }',
    stockGatewayDiffers: PROGRESSIVE_OVERRIDE_OFF,
  },
  // Nested @requires.
  { name: 'nested @requires without arguments', query: '{ media { ... on Book { id tall } } }' },
  { name: 'nested @requires without arguments, the client asking the same nested field', query: '{ book(id: "b1") { dimensions { height } tall } }' },
  { name: 'nested @requires with an argument deep in the selection', query: '{ media { ... on Book { shippingClass } } }' },
  { name: 'nested @requires, the client asking the same argument', query: '{ book(id: "b1") { dimensions { weight(unit: "kg") } shippingClass } }' },
  {
    name: "nested @requires with an argument deep in the selection, the client's field with another",
    query: '{ book(id: "b1") { dimensions { weight(unit: "g") } shippingClass } }',
    stockGatewayDiffers: DEEP_REQUIRES_ARGUMENT,
  },
  {
    name: 'two nested @requires needing one deep field with different arguments',
    query: '{ media { ... on Book { id shippingClass postage } } }',
    stockGatewayDiffers: 'the stock gateway fetches one weight for both: postage and shippingClass see the same unit',
  },
  {
    name: 'two nested @requires needing one deep field with different arguments, the client asking a third',
    query: '{ book(id: "b2") { postage dimensions { weight(unit: "lb") height } shippingClass } }',
    stockGatewayDiffers: 'the stock gateway fetches one weight for the client and both @requires',
  },
  { name: 'nested @requires with arguments at the top of the selection', query: '{ media { ... on Book { id latestPrint } } }' },
  {
    name: "nested @requires with arguments at the top, the client's field with another argument",
    query: '{ book(id: "b1") { editions(first: 1) { year } latestPrint } }',
    stockGatewayDiffers: "the planner merges the client's editions(first: 1) with the required editions(first: 2): latestPrint sees one edition",
  },
  {
    name: 'every @requires of the fixture in one query, with a variable',
    query: 'query Q($n: Int!) { book(id: "b2") { tall shippingClass latestPrint editions(first: $n) { year } } }',
    variables: { n: 1 },
  },
];

describe('compliance: library supergraph against its monolith', () => {
  const started = complianceGateways(startLibraryStack);
  const oracle = libraryMonolith();


  complianceTests(started, oracle, cases);

  test('@provides: the provided title is not fetched from catalog, a field not provided is', async () => {
    const before = started.stack.subgraphs.catalog.requests.length;
    const provided = await postGraphQL(started.tollgate.url, { query: '{ topReviews { book { title } } }' });
    assert.deepEqual(provided.body, await oracleAnswer(oracle, '{ topReviews { book { title } } }'));
    assert.equal(started.stack.subgraphs.catalog.requests.length, before, 'no request reached catalog');
    const notProvided = await postGraphQL(started.tollgate.url, { query: '{ topReviews { book { title author } } }' });
    assert.deepEqual(notProvided.body, await oracleAnswer(oracle, '{ topReviews { book { title author } } }'));
    assert.equal(started.stack.subgraphs.catalog.requests.length, before + 1, 'author is fetched from catalog, in one entity fetch');
  });

  test('@inaccessible: isbn is not in the API schema, queried it fails validation as in the monolith', async () => {
    const query = '{ book(id: "b1") { title isbn } }';
    const expected = await oracleAnswer(oracle, query);
    assert.equal(expected.data, undefined);
    for (const gateway of [started.tollgate, started.apollo]) {
      const actual = await postGraphQL(gateway.url, { query });
      assert.equal(actual.body.data, undefined);
      // The gateway adds its error code; message and location are graphql-js's, as in the monolith.
      assert.deepEqual(
        actual.body.errors.map((e: { message: string; locations: unknown; extensions?: { code?: string } }) => ({ message: e.message, locations: e.locations, code: e.extensions?.code })),
        expected.errors.map((e: { message: string; locations: unknown }) => ({ ...e, code: 'GRAPHQL_VALIDATION_FAILED' })),
      );
    }
  });

  test('introspection: the API schema has the monolith types and fields (no isbn, no federation types)', async () => {
    // Order aside: composition orders fields its own way.
    const query = '{ __schema { types { name kind fields { name args { name } } possibleTypes { name } } } }';
    const normalize = (body: { data: { __schema: { types: Array<{ name: string; fields: Array<{ name: string; args: Array<{ name: string }> }> | null; possibleTypes: Array<{ name: string }> | null }> } } }) =>
      body.data.__schema.types
        .map((t) => ({
          ...t,
          fields: t.fields && t.fields.map((f) => `${f.name}(${f.args.map((a) => a.name).join(',')})`).sort(),
          possibleTypes: t.possibleTypes && t.possibleTypes.map((p) => p.name).sort(),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    const expected = normalize(await oracleAnswer(oracle, query));
    assert.ok(expected.some((t) => t.name === 'Media' && t.possibleTypes?.join() === 'Book,Film'));
    for (const gateway of [started.tollgate, started.apollo]) {
      const actual = await postGraphQL(gateway.url, { query });
      assert.deepEqual(normalize(actual.body), expected);
    }
  });
});
