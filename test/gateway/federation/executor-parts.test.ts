// The executor's building blocks against the @apollo/gateway / federation-internals code they
// replace: same answers on inputs a subgraph could send, including the odd ones.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { buildSchema as buildFederationSchema, isValidLeafValue, type NamedType } from '@apollo/federation-internals';
import type { QueryPlan, QueryPlanSelectionNode } from '@apollo/query-planner';
import { buildSchema, parse, printSchema } from 'graphql';
import { compilePlan } from '../../../gateway/src/federation/executor/compile-plan.ts';
import { ExecutorStats, MAX_FALLBACK_REASONS, OTHER_FALLBACK_REASON } from '../../../gateway/src/federation/executor/executor-stats.ts';
import { loadSupergraph, type SubgraphService } from '../../../gateway/src/federation/executor/loaded-supergraph.ts';
import { composeSubgraphs } from '../../../gateway/src/schema/compose.ts';
import { mediaSdl } from '../../fixtures/executor/media.ts';
import { deepMerge } from '../../../gateway/src/federation/executor/merge.ts';
import { flatRepresentation, selectRepresentation, writeFlatRepresentation } from '../../../gateway/src/federation/executor/representations.ts';
import { leafCheck } from '../../../gateway/src/federation/executor/shape-response.ts';
import { TypeConditions } from '../../../gateway/src/federation/executor/type-conditions.ts';
import { UnsupportedPlanError } from '../../../gateway/src/federation/executor/unsupported.ts';
import { ErrorPathMapper } from '../../../gateway/src/federation/executor/subgraph-errors.ts';

// Apollo's own deepMerge, the reference (not exported from the package index).
const require = createRequire(import.meta.url);
const apolloDeepMerge = require('@apollo/gateway/dist/utilities/deepMerge.js').deepMerge as (a: unknown, b: unknown) => unknown;

const LEAF_VALUES: unknown[] = [
  true, false, 0, 1, -7, 1.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY, '', 'x', '12', 'RED', 'red', null, {}, [], [1],
];

describe('leaf value checks', () => {
  test('agree with federation-internals isValidLeafValue for every built-in, enum and custom scalar', () => {
    const schema = buildFederationSchema(`
      type Query { a: Int b: Float c: String d: Boolean e: ID f: Color g: JSON }
      enum Color { RED GREEN }
      scalar JSON`);
    let compared = 0;
    for (const name of ['Int', 'Float', 'String', 'Boolean', 'ID', 'Color', 'JSON']) {
      const type = schema.type(name) as NamedType;
      const check = leafCheck(type);
      for (const value of LEAF_VALUES) {
        const expected = isValidLeafValue(schema, value, type as never);
        assert.equal(check === null ? true : check(value), expected, `${name} ${JSON.stringify(value)}`);
        compared++;
      }
    }
    assert.equal(compared, 7 * LEAF_VALUES.length);
  });
});

describe('deepMerge', () => {
  const cases: Array<[string, () => unknown, () => unknown]> = [
    ['new keys, nested objects', () => ({ a: 1, b: { c: 2 } }), () => ({ b: { d: 3 }, e: [1, 2] })],
    ['same-length lists merge element-wise', () => ({ l: [{ x: 1 }, 2, null] }), () => ({ l: [{ y: 2 }, { z: 3 }, 4] })],
    ['different-length lists are replaced', () => ({ l: [{ x: 1 }] }), () => ({ l: [{ y: 2 }, { y: 3 }] })],
    ['undefined is skipped, null overwrites', () => ({ a: 1, b: 2 }), () => ({ a: undefined, b: null })],
    ['falsy target values are replaced by objects', () => ({ a: null, b: 0, c: '' }), () => ({ a: { x: 1 }, b: { y: 2 }, c: { z: 3 } })],
    ['prototype-named keys stay own properties', () => ({}), () => JSON.parse('{"constructor":{"x":1},"toString":"s","__proto__":{"polluted":true}}')],
    ['null and undefined sources', () => ({ a: 1 }), () => null],
  ];
  for (const [name, target, source] of cases) {
    test(name, () => {
      const ours = deepMerge(target() as never, source());
      const theirs = apolloDeepMerge(target(), source());
      assert.deepEqual(JSON.stringify(ours), JSON.stringify(theirs));
      assert.deepEqual(Object.getOwnPropertyNames(ours), Object.getOwnPropertyNames(theirs));
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });
  }
});

describe('entity representations', () => {
  const types = new TypeConditions(
    buildSchema(`
      type Query { x: Node }
      interface Node { id: ID! }
      type Product implements Node { id: ID! upc: String tags: [String] }
      type User implements Node { id: ID! }`),
  );
  const requires: QueryPlanSelectionNode[] = [
    { kind: 'InlineFragment', typeCondition: 'Product', selections: [{ kind: 'Field', name: '__typename' }, { kind: 'Field', name: 'upc' }, { kind: 'Field', name: 'tags' }] },
  ];
  const flat = flatRepresentation(requires);

  test('the flat writer produces the JSON of the general one, or nothing when it does', () => {
    assert.ok(flat);
    const entities: Array<Record<string, unknown>> = [
      { __typename: 'Product', upc: 'p"1', tags: ['a', null], extra: 1 },
      { __typename: 'Product', upc: null, tags: [] },
      { __typename: 'Product', tags: [] }, // missing key: no representation
      { __typename: 'User', upc: 'u', tags: [] }, // other type
      { upc: 'x', tags: [] }, // no __typename
      { __typename: '', upc: 'x', tags: [] },
    ];
    const produced = entities.map((entity) => {
      const general = selectRepresentation(types, entity, requires);
      const expected = general && general['__typename'] ? JSON.stringify(general) : undefined;
      assert.equal(writeFlatRepresentation(types, entity, flat), expected);
      return expected;
    });
    assert.equal(produced.filter((p) => p !== undefined).length, 2);
  });

  test('nested or interface-conditioned requires take the general path', () => {
    assert.equal(flatRepresentation([{ kind: 'InlineFragment', typeCondition: 'Product', selections: [{ kind: 'Field', name: '__typename' }, { kind: 'Field', name: 'price', selections: [{ kind: 'Field', name: 'amount' }] }] }]), undefined);
    assert.equal(flatRepresentation([{ kind: 'Field', name: 'id' }]), undefined);
  });
});

describe('plan compilation', () => {
  const fetch = { kind: 'Fetch', serviceName: 's', operation: '{ a }', operationName: undefined, operationKind: 'query' } as const;
  const compile = (plan: unknown) => compilePlan(plan as QueryPlan, { variableDefinitions: { definition: () => undefined } } as never, new Map(), {} as never);

  test('compiles the nodes it runs and prebuilds the request body', () => {
    const step = compile({ kind: 'QueryPlan', node: { kind: 'Sequence', nodes: [fetch, { kind: 'Flatten', path: ['a', '@'], node: fetch }] } });
    assert.equal(step?.kind, 'Sequence');
    const first = step?.kind === 'Sequence' ? step.steps[0] : undefined;
    assert.equal(first?.kind === 'Fetch' ? first.bodyPrefix : '', '{"query":"{ a }","variables":');
  });

  test('leaves @defer, subscriptions and @fromContext to Apollo', () => {
    const unsupported = [
      { kind: 'Defer', primary: {}, deferred: [] },
      { kind: 'Subscription', primary: fetch },
      { ...fetch, contextRewrites: [{ kind: 'KeyRenamer', path: ['x'], renameKeyTo: 'y' }] },
      { kind: 'Parallel', nodes: [fetch, { kind: 'Defer', primary: {}, deferred: [] }] },
    ];
    for (const node of unsupported) {
      assert.throws(() => compile({ kind: 'QueryPlan', node }), UnsupportedPlanError, JSON.stringify(node));
    }
  });
});

describe('executor stats', () => {
  test('fallbacks count per reason, first sighting reported; reasons bounded', () => {
    const stats = new ExecutorStats();
    stats.tollgate++;
    assert.equal(stats.countFallback('@defer'), 1);
    assert.equal(stats.countFallback('@defer'), 2);
    for (let i = 0; i < MAX_FALLBACK_REASONS + 5; i++) stats.countFallback(`operation: error ${i}`);
    assert.equal(stats.apollo, MAX_FALLBACK_REASONS + 7);
    assert.equal(stats.fallbacksByReason.size, MAX_FALLBACK_REASONS + 1);
    assert.equal(stats.fallbacksByReason.get('@defer'), 2);
    assert.equal(stats.fallbacksByReason.get(OTHER_FALLBACK_REASON), 6);
    // A reason already kept still counts under its own name.
    stats.countFallback('@defer');
    assert.equal(stats.snapshot().tollgate, 1);
    assert.equal(stats.snapshot().fallbacksByReason['@defer'], 3);
  });
});

describe('loading the supergraph', () => {
  test('from the SDL or its parsed document: the same schemas and subgraphs', () => {
    const outcome = composeSubgraphs(
      Object.entries(mediaSdl).map(([name, sdl]) => ({ name, sdl, routingUrl: `http://127.0.0.1:1/${name}`, source: name })),
    );
    assert.ok(outcome.ok);
    const service = () => ({}) as SubgraphService;
    const fromSdl = loadSupergraph(outcome.supergraphSdl, service);
    const fromDocument = loadSupergraph(parse(outcome.supergraphSdl), service);
    assert.equal(printSchema(fromDocument.schema), printSchema(fromSdl.schema));
    assert.equal(printSchema(fromDocument.supergraphSchema), printSchema(fromSdl.supergraphSchema));
    assert.deepEqual(Object.keys(fromDocument.services), Object.keys(fromSdl.services));
  });
});

describe('ErrorPathMapper', () => {
  test("a required argument set's alias is named by its field in the client's error path", () => {
    const root = new ErrorPathMapper(['product'], {});
    assert.deepEqual(root.map(['price', '__tollgate_required_price_1']), ['product', 'price', 'price']);
    const data = { feed: [{ id: 'n1' }, { id: 'p1' }, null, { id: 'p2' }] };
    const entities = new ErrorPathMapper(['feed', '@'], data, [1, 2]);
    assert.deepEqual(entities.map(['_entities', 1, '__tollgate_required_price_0', 'amount']), ['feed', 3, 'price', 'amount']);
    assert.deepEqual(entities.map(['_entities', 0, 'x']), ['feed', 1, 'x']);
  });
});
