// Unit tests of the parts behind hostile-subgraphs.test.ts: error masking, the fetch count of a
// plan, and the traffic_shaping keys that configure them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryPlan } from '@apollo/query-planner';
import { trafficFor, trafficShapingConfigSchema } from '../../../gateway/src/federation/config.ts';
import { checkFetchBudget, countFetches } from '../../../gateway/src/federation/executor/fetch-budget.ts';
import { MAX_ERRORS_PER_SUBGRAPH_RESPONSE, maskSubgraphErrors } from '../../../gateway/src/federation/subgraph-error-masking.ts';

describe('maskSubgraphErrors', () => {
  const masked = { includeErrors: false, allowExtensionsKeys: [] };

  test('generic message, plain code kept, path kept, everything else dropped', () => {
    const errors = [
      { message: 'postgres://admin:pw@db', path: ['a', 0, 'b'], locations: [{ line: 1, column: 2 }], extensions: { code: 'NOT_FOUND', stacktrace: ['x'], exception: {}, http: { status: 418 } } },
    ];
    assert.deepEqual(maskSubgraphErrors(errors, 'reviews', masked), [
      { message: 'Subgraph "reviews" returned an error', path: ['a', 0, 'b'], extensions: { code: 'NOT_FOUND' } },
    ]);
  });

  test('codes that are not plain identifiers, missing codes and non-objects → DOWNSTREAM_SERVICE_ERROR', () => {
    const out = maskSubgraphErrors(
      [{ message: 'x', extensions: { code: 'failed at 10.0.0.7' } }, { message: 'y', extensions: { code: { nested: 1 } } }, { message: 'z' }, 'text', null, 42],
      's',
      masked,
    );
    assert.equal(out.length, 6);
    for (const error of out) assert.deepEqual(error, { message: 'Subgraph "s" returned an error', extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' } });
    assert.equal(maskSubgraphErrors([{ message: 'x', extensions: { code: 'A'.repeat(65) } }], 's', masked)[0]?.extensions?.['code'], 'DOWNSTREAM_SERVICE_ERROR');
  });

  test('codes every JavaScript object answers to (constructor, __proto__, toString) are not passed', () => {
    for (const code of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      assert.equal(maskSubgraphErrors([{ message: 'x', extensions: { code } }], 's', masked)[0]?.extensions?.['code'], 'DOWNSTREAM_SERVICE_ERROR', code);
    }
  });

  test('paths that are not response paths are dropped', () => {
    const out = maskSubgraphErrors([{ path: 'a.b' }, { path: ['a', { x: 1 }] }, { path: new Array(1000).fill('a') }], 's', masked);
    assert.ok(out.every((error) => !('path' in error)));
  });

  test('opted in: the message passes; allowlisted keys pass, `http` and `code` cannot be allowlisted away', () => {
    const policy = { includeErrors: true, allowExtensionsKeys: ['retryable', 'http', 'code', 'missing'] };
    assert.deepEqual(maskSubgraphErrors([{ message: 'Review r1 not found', extensions: { code: 'NOT_FOUND', retryable: false, http: { status: 404 }, other: 1 } }], 's', policy), [
      { message: 'Review r1 not found', extensions: { code: 'NOT_FOUND', retryable: false } },
    ]);
    assert.equal(maskSubgraphErrors([{ message: '' }, { message: 7 }], 's', policy)[1]?.message, 'Subgraph "s" returned an error');
  });

  test('a prototype-named extension key is read as an own key only', () => {
    const policy = { includeErrors: false, allowExtensionsKeys: ['constructor', 'toString'] };
    assert.deepEqual(maskSubgraphErrors([{ extensions: {} }], 's', policy)[0]?.extensions, { code: 'DOWNSTREAM_SERVICE_ERROR' });
  });

  test(`more than ${MAX_ERRORS_PER_SUBGRAPH_RESPONSE} errors: the first ones kept, then one summary`, () => {
    const out = maskSubgraphErrors(new Array(250_000).fill({ message: 'boom' }), 's', masked);
    assert.equal(out.length, MAX_ERRORS_PER_SUBGRAPH_RESPONSE + 1);
    assert.deepEqual(out.at(-1), {
      message: 'Subgraph "s" returned 250000 errors; the first 100 are kept',
      extensions: { code: 'SUBGRAPH_ERRORS_TRUNCATED', droppedErrors: 249_900 },
    });
    assert.equal(maskSubgraphErrors(new Array(100).fill({}), 's', masked).length, 100, 'exactly 100: no summary');
  });
});

describe('fetch budget', () => {
  const fetch = (serviceName: string) => ({ kind: 'Fetch', serviceName, operation: '{ a }', operationKind: 'query', variableUsages: [] }) as never;
  const plan = (node: unknown): QueryPlan => ({ kind: 'QueryPlan', node }) as QueryPlan;

  test('counts fetch nodes through sequences, parallels and flattens; the larger condition branch', () => {
    assert.equal(countFetches(plan(undefined)), 0);
    assert.equal(countFetches(plan(fetch('a'))), 1);
    const tree = {
      kind: 'Sequence',
      nodes: [
        fetch('a'),
        { kind: 'Parallel', nodes: [{ kind: 'Flatten', path: ['x'], node: fetch('b') }, { kind: 'Flatten', path: ['y'], node: fetch('c') }] },
        { kind: 'Condition', condition: 'v', ifClause: { kind: 'Sequence', nodes: [fetch('d'), fetch('e'), fetch('f')] }, elseClause: fetch('g') },
      ],
    };
    assert.equal(countFetches(plan(tree)), 6);
  });

  test('checkFetchBudget: equal to the limit passes, over it throws 400 TOO_MANY_SUBGRAPH_FETCHES', () => {
    const two = plan({ kind: 'Sequence', nodes: [fetch('a'), fetch('b')] });
    assert.doesNotThrow(() => checkFetchBudget(two, 2));
    assert.throws(
      () => checkFetchBudget(two, 1),
      (error: any) =>
        error.message === 'The query plan needs 2 subgraph fetches, more than the limit of 1' &&
        error.extensions.code === 'TOO_MANY_SUBGRAPH_FETCHES' &&
        error.extensions.http.status === 400,
    );
  });
});

/** The keys of issue 10 (issue 11's resilience keys are tested in resilience-parts.test.ts). */
function maskingKeys({ timeoutMs, maxConnections, maxResponseBytes, includeErrors, allowExtensionsKeys }: ReturnType<typeof trafficFor>) {
  return { timeoutMs, maxConnections, maxResponseBytes, includeErrors, allowExtensionsKeys };
}

describe('traffic_shaping keys for hostile subgraphs', () => {
  test('defaults: 10 MB, masked, no extension keys; `subgraphs.<name>` overrides `all`', () => {
    const config = trafficShapingConfigSchema.parse({
      all: { allow_extensions_keys: ['retryable'] },
      subgraphs: { reviews: { include_subgraph_errors: 'true', max_response_bytes: '1000' } },
    });
    assert.deepEqual(maskingKeys(trafficFor(config, 'orders')), {
      timeoutMs: 30_000,
      maxConnections: 128,
      maxResponseBytes: 10_000_000,
      includeErrors: false,
      allowExtensionsKeys: ['retryable'],
    });
    assert.deepEqual(maskingKeys(trafficFor(config, 'reviews')), {
      timeoutMs: 30_000,
      maxConnections: 128,
      maxResponseBytes: 1000,
      includeErrors: true,
      allowExtensionsKeys: ['retryable'],
    });
    assert.throws(() => trafficShapingConfigSchema.parse({ all: { max_response_bytes: 0 } }));
    assert.throws(() => trafficShapingConfigSchema.parse({ all: { include_subgraph_errors: 'yes' } }));
  });
});
