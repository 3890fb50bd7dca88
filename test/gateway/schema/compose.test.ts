// Composition from supergraph.yaml: the SDL the gateway runs on, and errors that name their code,
// message, subgraphs and lines.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  composeFromConfigFile,
  composeSubgraphs,
  formatCompositionIssues,
  formatGitHubAnnotations,
  type CompositionIssue,
  type CompositionOutcome,
} from '../../../gateway/src/schema/compose.ts';
import { fed2, fixture, tempDir } from './helpers.ts';

function expectErrors(outcome: CompositionOutcome): CompositionIssue[] {
  assert.equal(outcome.ok, false, 'composition unexpectedly succeeded');
  return outcome.ok ? [] : outcome.errors;
}

function expectSdl(outcome: CompositionOutcome): string {
  if (!outcome.ok) assert.fail(`composition failed:\n${formatCompositionIssues(outcome.errors)}`);
  return outcome.supergraphSdl;
}

describe('composeFromConfigFile', () => {
  it('composes the valid fixture with each routing URL in join__Graph', async () => {
    const sdl = expectSdl(await composeFromConfigFile(fixture('supergraph.yaml')));
    assert.match(sdl, /enum join__Graph \{/);
    assert.match(sdl, /ACCOUNTS @join__graph\(name: "accounts", url: "http:\/\/accounts\.internal:4001\/graphql"\)/);
    assert.match(sdl, /ORDERS @join__graph\(name: "orders", url: "http:\/\/orders\.internal:4002\/graphql"\)/);
    assert.match(sdl, /REVIEWS @join__graph\(name: "reviews", url: "http:\/\/reviews\.internal:4003\/graphql"\)/);
    assert.match(sdl, /type Order\s+@join__type\(graph: ORDERS, key: "id"\)\s+@join__type\(graph: REVIEWS, key: "id"\)/);
  });

  it('replaces routing URLs with overrides', async () => {
    const sdl = expectSdl(
      await composeFromConfigFile(fixture('supergraph.yaml'), {
        routingUrlOverrides: { orders: 'http://127.0.0.1:5002/graphql' },
      }),
    );
    assert.match(sdl, /ORDERS @join__graph\(name: "orders", url: "http:\/\/127\.0\.0\.1:5002\/graphql"\)/);
    assert.match(sdl, /ACCOUNTS @join__graph\(name: "accounts", url: "http:\/\/accounts\.internal:4001\/graphql"\)/);
  });

  it('returns hints with their code and subgraphs, in config order', async () => {
    const outcome = await composeFromConfigFile(fixture('hint', 'supergraph.yaml'));
    assert.ok(outcome.ok);
    const hint = outcome.hints.find((h) => h.code === 'INCONSISTENT_ENTITY');
    assert.ok(hint, `no INCONSISTENT_ENTITY hint in ${JSON.stringify(outcome.hints)}`);
    assert.deepEqual(hint.subgraphs, ['accounts', 'orders', 'reviews']);
    assert.match(hint.message, /Type "User" is declared as an entity .* no @key in subgraph "reviews"/);
  });

  describe('inline sdl', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    before(async () => {
      const inline = fed2('type Query { shipping(orderId: ID!): Int }').replace(/^/gm, '        ');
      ({ dir, cleanup } = await tempDir({
        'supergraph.yaml': `federation_version: 2\nsubgraphs:\n  accounts:\n    routing_url: http://accounts:4001/graphql\n    schema: { file: ${fixture('accounts.graphql')} }\n  shipping:\n    routing_url: http://shipping:4005/graphql\n    schema:\n      sdl: |\n${inline}`,
      }));
    });
    after(() => cleanup());

    it('composes a subgraph given inline', async () => {
      const sdl = expectSdl(await composeFromConfigFile(join(dir, 'supergraph.yaml')));
      assert.match(sdl, /SHIPPING @join__graph\(name: "shipping", url: "http:\/\/shipping:4005\/graphql"\)/);
      assert.match(sdl, /shipping\(orderId: ID!\): Int @join__field\(graph: SHIPPING\)/);
    });
  });
});

describe('composition errors', () => {
  it('INVALID_GRAPHQL: a syntax error names the subgraph, file and line instead of throwing', async () => {
    const [error, ...rest] = expectErrors(await composeFromConfigFile(fixture('broken', 'syntax-error.yaml')));
    assert.equal(rest.length, 0);
    assert.equal(error?.code, 'INVALID_GRAPHQL');
    assert.match(error?.message ?? '', /^Syntax Error: Expected Name, found "\}"\./);
    assert.deepEqual(error?.subgraphs, ['orders']);
    assert.deepEqual(
      error?.locations?.map((l) => [l.subgraph, l.source.endsWith('broken/orders-syntax-error.graphql'), l.line]),
      [['orders', true, 10]],
    );
  });

  it('FIELD_TYPE_MISMATCH and INVALID_FIELD_SHARING: both subgraphs and both lines', async () => {
    const errors = expectErrors(await composeFromConfigFile(fixture('broken', 'type-mismatch.yaml')));
    assert.deepEqual(errors.map((e) => e.code), ['FIELD_TYPE_MISMATCH', 'INVALID_FIELD_SHARING']);
    for (const error of errors) assert.deepEqual(error.subgraphs, ['orders', 'reviews']);
    assert.match(errors[0]?.message ?? '', /"Order\.total" .* type "Int!" in subgraph "orders" but type "String" in subgraph "reviews"/);
    assert.deepEqual(
      errors[0]?.locations?.map((l) => `${l.subgraph}:${l.line}`),
      ['orders:9', 'reviews:12'],
    );
  });

  it('EXTERNAL_MISSING_ON_BASE names the subgraph even though composition leaves the node unnamed', async () => {
    const [error, ...rest] = expectErrors(await composeFromConfigFile(fixture('broken', 'external-missing.yaml')));
    assert.equal(rest.length, 0);
    assert.equal(error?.code, 'EXTERNAL_MISSING_ON_BASE');
    assert.match(error?.message ?? '', /Field "Order\.insured" is marked @external on all the subgraphs/);
    assert.deepEqual(error?.subgraphs, ['reviews']);
    assert.equal(error?.locations?.[0]?.line, 12);
  });

  it('SATISFIABILITY_ERROR: subgraphs read from the message, including an inline one', async () => {
    const errors = expectErrors(await composeFromConfigFile(fixture('broken', 'unsatisfiable.yaml')));
    assert.ok(errors.length >= 1);
    for (const error of errors) {
      assert.equal(error.code, 'SATISFIABILITY_ERROR');
      assert.deepEqual(error.subgraphs, ['reviews', 'ratings']);
    }
    assert.match(errors[0]?.message ?? '', /cannot be satisfied by the subgraphs because/);
  });

  it('a per-subgraph validation error loses its "[name] " prefix to the subgraphs list', () => {
    const [error] = expectErrors(
      composeSubgraphs([
        { name: 'only', routingUrl: 'http://only', sdl: fed2('type Query { a: Strin }'), source: 'only.graphql' },
      ]),
    );
    assert.equal(error?.code, 'INVALID_GRAPHQL');
    assert.equal(error?.message, 'Unknown type Strin');
    assert.deepEqual(error?.subgraphs, ['only']);
  });

  it('reports a syntax error in every subgraph that has one', () => {
    const errors = expectErrors(
      composeSubgraphs([
        { name: 'a', routingUrl: 'http://a', sdl: 'type Query {', source: 'a.graphql' },
        { name: 'b', routingUrl: 'http://b', sdl: fed2('type Query { b: Int }'), source: 'b.graphql' },
        { name: 'c', routingUrl: 'http://c', sdl: 'type Query { c: }', source: 'c.graphql' },
      ]),
    );
    assert.deepEqual(errors.map((e) => [e.code, e.subgraphs]), [['INVALID_GRAPHQL', ['a']], ['INVALID_GRAPHQL', ['c']]]);
  });

  it('nothing to compose is an error, not an exception', () => {
    assert.deepEqual(expectErrors(composeSubgraphs([])).map((e) => e.code), ['NO_SUBGRAPHS']);
  });
});

describe('formatting', () => {
  const issue: CompositionIssue = {
    code: 'FIELD_TYPE_MISMATCH',
    message: 'Type of field "Order.total" is incompatible, 100%\nsecond line',
    subgraphs: ['orders', 'reviews'],
    locations: [
      { subgraph: 'orders', source: 'schemas/orders.graphql', sourceKind: 'file', line: 9, column: 3 },
      { subgraph: 'reviews', source: 'http://reviews/graphql', sourceKind: 'subgraph_url', line: 4, column: 1 },
    ],
  };

  it('one greppable header line per issue, continuation lines indented, then locations', () => {
    assert.equal(
      formatCompositionIssues([issue, { code: 'X', message: 'plain', subgraphs: ['a'] }]),
      [
        'error[FIELD_TYPE_MISMATCH] subgraphs "orders", "reviews": Type of field "Order.total" is incompatible, 100%',
        '    second line',
        '  --> schemas/orders.graphql:9:3 (orders)',
        '  --> http://reviews/graphql:4:1 (reviews)',
        'error[X] subgraph "a": plain',
      ].join('\n'),
    );
    assert.match(formatCompositionIssues([issue], { severity: 'hint' }), /^hint\[FIELD_TYPE_MISMATCH\]/);
  });

  it('GitHub annotations: escaped, one line, pointing at the first file location', () => {
    assert.equal(
      formatGitHubAnnotations([issue]),
      '::error file=schemas/orders.graphql,line=9,col=3,title=FIELD_TYPE_MISMATCH (orders%2C reviews)::' +
        'subgraphs "orders", "reviews": Type of field "Order.total" is incompatible, 100%25%0Asecond line',
    );
    assert.equal(formatGitHubAnnotations([{ code: 'X', message: 'm', subgraphs: [] }], { severity: 'hint' }), '::notice title=X::m');
  });
});
