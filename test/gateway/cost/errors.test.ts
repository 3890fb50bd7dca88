// Operations that cannot be costed, the over-max error, and the config slice.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkEstimatedCost,
  costModelOptions,
  CostEstimatedTooExpensiveError,
  CostQueryError,
  demandControlConfigSchema,
  estimateCost,
} from '../../../gateway/src/cost/index.ts';
import { GatewayError } from '../../../gateway/src/core/errors.ts';
import { modelOf } from './helpers.ts';

function costQueryError(message: string | RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof CostQueryError, `not a CostQueryError: ${String(error)}`);
    assert.equal(error.code, 'COST_QUERY_PARSE_FAILURE');
    assert.equal(error.status, 400);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}

describe('operations that cannot be costed (COST_QUERY_PARSE_FAILURE, as the router)', () => {
  const model = modelOf(['shop', 'shop-shipping']);

  it('requireOneSlicingArgument: two slicing arguments given', () => {
    assert.throws(
      () => estimateCost(model, '{ window(before: 2, after: 3) { id } }', undefined, {}),
      costQueryError('Exactly one slicing argument is required, but found 2'),
    );
  });

  it('requireOneSlicingArgument: none given and no default', () => {
    assert.throws(() => estimateCost(model, '{ window { id } }', undefined, {}), costQueryError('Exactly one slicing argument is required, but found 0'));
  });

  it('requireOneSlicingArgument: decided by the variables of each request', () => {
    const query = 'query($l: Int!) { search(limit: $l) { __typename } }';
    assert.throws(() => estimateCost(model, query, undefined, {}), costQueryError('Exactly one slicing argument is required, but found 0'));
    // 4 × SearchResult 1
    assert.equal(estimateCost(model, query, undefined, { l: 4 }), 4);
  });

  it('requireOneSlicingArgument: a skipped field is not checked', () => {
    assert.equal(estimateCost(model, '{ window @skip(if: true) { id } }', undefined, {}), 0);
  });

  it('a syntax error', () => {
    assert.throws(() => estimateCost(model, '{ product(id: "1") { id }', undefined, {}), costQueryError(/^Query could not be parsed: Syntax Error/));
  });

  it('an unknown operation name, or none among several', () => {
    const document = 'query A { tags } query B { tags }';
    assert.throws(() => estimateCost(model, document, 'C', {}), costQueryError('Unknown operation named "C".'));
    assert.throws(() => estimateCost(model, document, undefined, {}), costQueryError('Must provide operation name if query contains multiple operations.'));
  });

  it('a field the schema does not have', () => {
    assert.throws(
      () => estimateCost(model, '{ product(id: "1") { weight } }', undefined, {}),
      costQueryError('Field weight was found in query, but its type is missing from the schema.'),
    );
  });

  it('a fragment that spreads itself', () => {
    const document = '{ product(id: "1") { ...A } } fragment A on Product { related { ...A } }';
    assert.throws(() => estimateCost(model, document, undefined, {}), costQueryError('Fragment A spreads itself'));
  });

  it('an operation type the schema lacks', () => {
    assert.throws(
      () => estimateCost(model, 'subscription { tags }', undefined, {}),
      costQueryError('Cannot cost subscription operation because the schema does not support this root type'),
    );
  });
});

describe('CostEstimatedTooExpensiveError and checkEstimatedCost', () => {
  const config = (mode: 'measure' | 'enforce') =>
    demandControlConfigSchema.parse({ enabled: true, mode, strategy: { static_estimated: { max: 100 } } });

  it('is a GatewayError with the router\'s code, HTTP 400 and extensions.cost', () => {
    const error = new CostEstimatedTooExpensiveError(179, 100);
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, 'COST_ESTIMATED_TOO_EXPENSIVE');
    assert.equal(error.status, 400);
    assert.equal(error.message, 'Query estimated cost 179 exceeded configured maximum 100');
    assert.deepEqual(error.extensions, { cost: { estimated: 179, max: 100 } });
  });

  it('enforce mode throws over max, admits at max', () => {
    assert.equal(checkEstimatedCost(100, config('enforce')), 'COST_OK');
    assert.throws(() => checkEstimatedCost(101, config('enforce')), (e: unknown) => {
      assert.ok(e instanceof CostEstimatedTooExpensiveError);
      assert.deepEqual(e.extensions, { cost: { estimated: 101, max: 100 } });
      return true;
    });
  });

  it('measure mode reports but never throws', () => {
    assert.equal(checkEstimatedCost(5000, config('measure')), 'COST_ESTIMATED_TOO_EXPENSIVE');
    assert.equal(checkEstimatedCost(1, config('measure')), 'COST_OK');
  });
});

describe('demand_control config', () => {
  it('has router.yaml\'s names and the documented defaults', () => {
    const config = demandControlConfigSchema.parse({});
    assert.deepEqual(config, {
      enabled: false,
      mode: 'measure',
      strategy: { static_estimated: { list_size: 10, max: 1000 } },
      mutation_base_cost: 10,
      cost_extensions: false,
    });
    assert.deepEqual(costModelOptions(config), { listSize: 10, mutationBaseCost: 10 });
  });

  it('rejects unknown keys and bad values with their path', () => {
    const unknown = demandControlConfigSchema.safeParse({ strategy: { static_estimated: { listsize: 5 } } });
    assert.equal(unknown.success, false);
    assert.deepEqual(unknown.error?.issues[0]?.path, ['strategy', 'static_estimated']);
    const mode = demandControlConfigSchema.safeParse({ mode: 'block' });
    assert.equal(mode.success, false);
    assert.deepEqual(mode.error?.issues[0]?.path, ['mode']);
    const size = demandControlConfigSchema.safeParse({ strategy: { static_estimated: { list_size: -1 } } });
    assert.deepEqual(size.error?.issues[0]?.path, ['strategy', 'static_estimated', 'list_size']);
  });
});
