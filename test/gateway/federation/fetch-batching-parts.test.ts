// Fetch batching's building blocks: which fetches of a plan may share a request, and the one
// operation several entity fetches become.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryPlan } from '@apollo/query-planner';
import { buildSchema, parse, validate } from 'graphql';
import { combineOperations, parseEntityOperation, type EntityOperation } from '../../../gateway/src/federation/executor/batching/batch-operation.ts';
import { planBatches } from '../../../gateway/src/federation/executor/batching/batch-plan.ts';
import { deferLeafFetches } from '../../../gateway/src/federation/executor/batching/defer-leaf-fetches.ts';
import { compilePlan, type FetchStep, type Step, type SubgraphSender } from '../../../gateway/src/federation/executor/compile-plan.ts';

const entityOperation = (selection: string, extra = '') =>
  `query Q__s__1($representations:[_Any!]!${extra}){_entities(representations:$representations){${selection}}}`;

const parsed = (operation: string) => parseEntityOperation(operation) as EntityOperation;

describe('entity operations taken apart', () => {
  test('the planner’s entity fetch is understood; anything else is left alone', () => {
    const operation = parsed(`${entityOperation('...on User{name ...F}', ',$v:Int')}fragment F on User{id}`);
    assert.equal(operation.name, 'Q__s__1');
    assert.deepEqual(operation.variables.map((v) => v.variable.name.value), ['v']);
    assert.deepEqual(operation.fragments.map((f) => f.name.value), ['F']);
    assert.equal(operation.text, 'query($representations:[_Any!]!$v:Int){_entities(representations:$representations){...on User{name ...F}}}fragment F on User{id}');
    for (const other of [
      '{ users { id } }',
      'mutation($representations:[_Any!]!){_entities(representations:$representations){...on User{id}}}',
      'query($representations:[_Any!]!){e:_entities(representations:$representations){...on User{id}}}',
      'query($representations:[_Any!]!){_entities(representations:$representations){...on User{id}} __typename}',
      'query($x:[_Any!]!){_entities(representations:$x){...on User{id}}}',
      'not graphql',
    ]) {
      assert.equal(parseEntityOperation(other), undefined, other);
    }
  });

  test('names differ, the text does not: the same operation for the representations', () => {
    assert.equal(parsed(entityOperation('...on User{name}')).text, parsed(entityOperation('...on User{name}').replace('Q__s__1', 'Q__s__7')).text);
  });
});

describe('several entity operations as one', () => {
  const schema = buildSchema(`
    scalar _Any
    union _Entity = User | Product
    type Query { _entities(representations: [_Any!]!): [_Entity]! }
    type User { id: ID! name(style: String): String reviews: [Product] }
    type Product { upc: ID! price(currency: String): Int }
  `);

  test('one aliased _entities per part, each with its own representations variable', () => {
    const combined = combineOperations([parsed(entityOperation('...on User{name}')), parsed(entityOperation('...on Product{price}'))])!;
    const body = JSON.parse(`${combined.bodyPrefix}{${combined.representationKeys[0]}[],${combined.representationKeys[1]}[]}}`);
    assert.equal(body.query, 'query Q__s__1__batch($r0:[_Any!]!$r1:[_Any!]!){_0:_entities(representations:$r0){...on User{name}}_1:_entities(representations:$r1){...on Product{price}}}');
    assert.equal(body.operationName, 'Q__s__1__batch');
    assert.deepEqual(body.variables, { r0: [], r1: [] });
    assert.deepEqual(validate(schema, parse(body.query)), []);
  });

  test('client variables are declared once; representations variables never take their names', () => {
    const a = parsed(entityOperation('...on User{name(style:$r0)}', ',$r0:String'));
    const b = parsed(entityOperation('...on Product{price(currency:$c)}', ',$c:String,$r0:String'));
    const combined = combineOperations([a, b])!;
    const { query } = JSON.parse(`${combined.bodyPrefix}{}}`);
    assert.equal(query, 'query Q__s__1__batch($_r0:[_Any!]!$r1:[_Any!]!$r0:String$c:String){_0:_entities(representations:$_r0){...on User{name(style:$r0)}}_1:_entities(representations:$r1){...on Product{price(currency:$c)}}}');
    assert.deepEqual(combined.representationKeys, ['"_r0":', '"r1":']);
    assert.deepEqual(combined.variableUsages, ['r0', 'c']);
    assert.deepEqual(validate(schema, parse(query)), []);
  });

  test('one client variable declared two ways: not combined', () => {
    const a = parsed(entityOperation('...on User{name(style:$s)}', ',$s:String'));
    const b = parsed(entityOperation('...on User{name(style:$s)}', ',$s:String!'));
    assert.equal(combineOperations([a, b]), undefined);
  });

  test('fragments: identical ones kept once, different ones of one name renamed, and what spreads them', () => {
    const a = parsed(`${entityOperation('...on User{...U}')}fragment U on User{id ...N}fragment N on User{name}fragment P on Product{upc}`);
    const b = parsed(`${entityOperation('...on User{...U reviews{...P}}')}fragment U on User{id ...N}fragment N on User{name(style:"x")}fragment P on Product{upc}`);
    const { query } = JSON.parse(`${combineOperations([a, b])!.bodyPrefix}{}}`);
    assert.equal(
      query,
      'query Q__s__1__batch($r0:[_Any!]!$r1:[_Any!]!){_0:_entities(representations:$r0){...on User{...U}}_1:_entities(representations:$r1){...on User{...U_1 reviews{...P}}}}' +
        'fragment U on User{id ...N}fragment N on User{name}fragment P on Product{upc}fragment U_1 on User{id ...N_1}fragment N_1 on User{name(style:"x")}',
    );
    assert.deepEqual(validate(schema, parse(query)), []);
  });
});

describe('which fetches may share a request', () => {
  const sender = (batchEntityFetches?: boolean): SubgraphSender => ({ send: async () => ({}), batchEntityFetches });
  const entity = (service: string, selection = '...on T{a}') => ({
    kind: 'Fetch',
    serviceName: service,
    operation: entityOperation(selection),
    operationName: 'Q__s__1',
    operationKind: 'query',
    requires: [{ kind: 'InlineFragment', typeCondition: 'T', selections: [{ kind: 'Field', name: '__typename' }, { kind: 'Field', name: 'id' }] }],
  });
  const root = (service: string) => ({ kind: 'Fetch', serviceName: service, operation: '{a}', operationKind: 'query' });
  const flatten = (node: unknown) => ({ kind: 'Flatten', path: ['a', '@'], node });
  const compile = (node: unknown, senders = new Map([['s', sender()], ['t', sender()], ['off', sender(false)]])) => {
    const step = compilePlan({ kind: 'QueryPlan', node } as QueryPlan, { variableDefinitions: { definition: () => undefined } } as never, senders, {} as never);
    return { step, batching: planBatches(step) };
  };
  const fetches = (step: Step | undefined): FetchStep[] => {
    if (!step) return [];
    switch (step.kind) {
      case 'Fetch':
        return [step];
      case 'Flatten':
        return fetches(step.step);
      case 'Condition':
        return [...fetches(step.ifClause), ...fetches(step.elseClause)];
      default:
        return step.steps.flatMap(fetches);
    }
  };
  const marks = (node: unknown) => {
    const { step, batching } = compile(node);
    return { batching, ids: fetches(step).map((fetch) => fetch.batch?.operationId ?? '-') };
  };

  test('entity fetches of one subgraph under one Parallel, however deep; one id per distinct operation', () => {
    assert.deepEqual(marks({ kind: 'Parallel', nodes: [flatten(entity('s')), flatten(entity('s')), flatten(entity('s', '...on T{b}'))] }), { batching: true, ids: [0, 0, 1] });
    const nested = { kind: 'Parallel', nodes: [{ kind: 'Sequence', nodes: [flatten(entity('t')), flatten(entity('s'))] }, flatten(entity('s'))] };
    assert.deepEqual(marks(nested), { batching: true, ids: ['-', 0, 0] });
  });

  test('never fetches one after the other, the two branches of a condition, other subgraphs, root fetches, or an opted-out subgraph', () => {
    assert.deepEqual(marks({ kind: 'Sequence', nodes: [flatten(entity('s')), flatten(entity('s'))] }), { batching: false, ids: ['-', '-'] });
    assert.deepEqual(marks({ kind: 'Condition', condition: 'c', ifClause: flatten(entity('s')), elseClause: flatten(entity('s')) }), { batching: false, ids: ['-', '-'] });
    assert.deepEqual(marks({ kind: 'Parallel', nodes: [flatten(entity('s')), flatten(entity('t'))] }), { batching: false, ids: ['-', '-'] });
    assert.deepEqual(marks({ kind: 'Parallel', nodes: [root('s'), root('s'), flatten(entity('s'))] }), { batching: false, ids: ['-', '-', '-'] });
    assert.deepEqual(marks({ kind: 'Parallel', nodes: [flatten(entity('off')), flatten(entity('off'))] }), { batching: false, ids: ['-', '-'] });
  });

  /** The step tree's shape: fetches by subgraph, containers by kind. */
  const shape = (step: Step | undefined): unknown => {
    if (!step) return undefined;
    switch (step.kind) {
      case 'Fetch':
        return step.serviceName;
      case 'Flatten':
        return shape(step.step);
      case 'Condition':
        return { if: shape(step.ifClause), else: shape(step.elseClause) };
      default:
        return { [step.kind]: step.steps.map(shape) };
    }
  };
  const deferred = (node: unknown) => shape(deferLeafFetches(compile(node).step));

  test('a leaf fetch waits for a later fetch of its subgraph in a sibling Sequence, to go with it', () => {
    // The heavy query's inStock beside products → inventory(shippingEstimate).
    const plan = { kind: 'Parallel', nodes: [{ kind: 'Sequence', nodes: [flatten(entity('t')), flatten(entity('s'))] }, flatten(entity('s', '...on T{b}')), flatten(entity('t', '...on T{c}'))] };
    assert.deepEqual(deferred(plan), { Parallel: [{ Sequence: ['t', { Parallel: ['s', 's'] }] }, 't'] });
    const { step } = compile(plan);
    const moved = deferLeafFetches(step);
    assert.ok(planBatches(moved), 'the two s fetches may now share a request');
  });

  test('nothing moves without a later fetch of the subgraph, into a first step, or for an opted-out subgraph', () => {
    for (const plan of [
      { kind: 'Parallel', nodes: [{ kind: 'Sequence', nodes: [flatten(entity('t')), flatten(entity('t'))] }, flatten(entity('s'))] },
      { kind: 'Parallel', nodes: [{ kind: 'Sequence', nodes: [flatten(entity('s')), flatten(entity('t'))] }, flatten(entity('s'))] },
      { kind: 'Parallel', nodes: [{ kind: 'Sequence', nodes: [flatten(entity('t')), flatten(entity('off'))] }, flatten(entity('off'))] },
      { kind: 'Parallel', nodes: [{ kind: 'Sequence', nodes: [flatten(entity('t')), flatten(entity('s'))] }, root('s')] },
    ]) {
      assert.deepEqual(deferred(plan), shape(compile(plan).step), JSON.stringify(plan));
    }
  });
});
