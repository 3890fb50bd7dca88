// Issue 11, the parts of subgraph resilience on their own, on a fake clock: the retry budget,
// the circuit breaker, instance choice with outlier ejection, the operation kind of a fetch, and
// the traffic_shaping keys with their defaults.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { trafficFor, trafficShapingConfigSchema, overrideSubgraphUrlSchema } from '../../../gateway/src/federation/config.ts';
import { CircuitBreaker } from '../../../gateway/src/federation/resilience/circuit-breaker.ts';
import { InFlightTable } from '../../../gateway/src/federation/resilience/in-flight.ts';
import { InstanceSet, SubgraphInstance } from '../../../gateway/src/federation/resilience/instances.ts';
import { operationKindOf } from '../../../gateway/src/federation/resilience/operation-kind.ts';
import { RetryBudget } from '../../../gateway/src/federation/resilience/retry-budget.ts';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('retry budget', () => {
  test('retries stay under retry_percent of the fetches plus min_per_sec over the window', () => {
    const c = clock();
    const budget = new RetryBudget({ ttlMs: 10_000, minPerSec: 0, retryPercent: 0.2 }, c.now);
    let allowed = 0;
    for (let i = 0; i < 100; i++) {
      budget.deposit();
      if (budget.tryWithdraw()) allowed++;
    }
    assert.equal(allowed, 20);
  });

  test('the floor allows min_per_sec × ttl retries with no traffic; the window forgets', () => {
    const c = clock();
    const budget = new RetryBudget({ ttlMs: 10_000, minPerSec: 3, retryPercent: 0.2 }, c.now);
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (budget.tryWithdraw()) allowed++;
    assert.equal(allowed, 30);
    c.t += 11_000;
    assert.equal(budget.tryWithdraw(), true, 'a window later the budget is back');
  });
});

describe('circuit breaker', () => {
  const settings = { failureRatio: 0.5, minimumRequests: 4, windowMs: 10_000, cooldownMs: 5_000, halfOpenProbes: 2 };

  test('opens at the failure ratio once the minimum is reached, fails fast, half-opens, closes', () => {
    const c = clock();
    const breaker = new CircuitBreaker(settings, c.now);
    for (let i = 0; i < 3; i++) breaker.record(breaker.acquire()!, false);
    assert.equal(breaker.currentState, 'closed', 'under minimum_requests');
    breaker.record(breaker.acquire()!, false);
    assert.equal(breaker.currentState, 'open');
    assert.equal(breaker.acquire(), undefined);
    c.t += 5_000;
    assert.equal(breaker.currentState, 'half_open');
    const a = breaker.acquire();
    const b = breaker.acquire();
    assert.deepEqual([a, b, breaker.acquire()], ['probe', 'probe', undefined], 'half_open_probes at a time');
    breaker.record('probe', true);
    assert.equal(breaker.currentState, 'half_open');
    breaker.record('probe', true);
    assert.equal(breaker.currentState, 'closed');
  });

  test('a failed probe opens it again; successes keep it closed', () => {
    const c = clock();
    const breaker = new CircuitBreaker(settings, c.now);
    for (let i = 0; i < 10; i++) breaker.record(breaker.acquire()!, true);
    for (let i = 0; i < 9; i++) breaker.record(breaker.acquire()!, false);
    assert.equal(breaker.currentState, 'closed', '9 of 19 is under half');
    breaker.record(breaker.acquire()!, false);
    assert.equal(breaker.currentState, 'open');
    c.t += 5_000;
    breaker.record(breaker.acquire()!, false);
    assert.equal(breaker.currentState, 'open');
    assert.equal(breaker.acquire(), undefined);
  });

  test('old failures leave the window', () => {
    const c = clock();
    const breaker = new CircuitBreaker(settings, c.now);
    for (let i = 0; i < 3; i++) breaker.record('call', false);
    c.t += 20_000;
    breaker.record('call', false);
    assert.equal(breaker.currentState, 'closed');
  });
});

describe('instances', () => {
  const pool = new Pool('http://127.0.0.1:9');
  const make = () => [0, 1, 2].map((i) => new SubgraphInstance(i, `http://127.0.0.1:${9000 + i}/graphql`, pool));

  test('least in flight, ties in turn, a retry avoids the last instance', () => {
    const c = clock();
    const list = make();
    const set = new InstanceSet(list, { consecutiveFailures: 2, baseEjectionMs: 1_000, maxEjectionMs: 4_000 }, c.now);
    assert.deepEqual([set.pick().index, set.pick().index, set.pick().index, set.pick().index], [0, 1, 2, 0]);
    list[1]!.inFlight = 5;
    list[2]!.inFlight = 1;
    assert.equal(set.pick().index, 0);
    assert.equal(set.pick(list[0]).index, 2, 'not the one just tried');
  });

  test('ejected after N failures in a row, back after the ejection, re-ejected at once and longer', () => {
    const c = clock();
    const list = make();
    const set = new InstanceSet(list, { consecutiveFailures: 2, baseEjectionMs: 1_000, maxEjectionMs: 4_000 }, c.now);
    set.failed(list[1]!);
    set.succeeded(list[1]!);
    set.failed(list[1]!);
    assert.equal(list[1]!.isEjected(c.t), false, 'a success in between resets the count');
    set.failed(list[1]!);
    assert.equal(list[1]!.isEjected(c.t), true);
    for (let i = 0; i < 6; i++) assert.notEqual(set.pick().index, 1);
    c.t += 1_000;
    assert.equal(list[1]!.isEjected(c.t), false);
    set.failed(list[1]!);
    assert.equal(list[1]!.ejectedUntil, c.t + 2_000, 'on probation: one failure, twice as long');
    set.healthy(list[1]!);
    assert.equal(list[1]!.isEjected(c.t), false, 'an active health check brings it back');
  });

  test('all ejected: the one due back first is still used', () => {
    const c = clock();
    const list = make();
    const set = new InstanceSet(list, { consecutiveFailures: 1, baseEjectionMs: 1_000, maxEjectionMs: 4_000 }, c.now);
    set.failed(list[2]!);
    c.t += 10;
    set.failed(list[0]!);
    set.failed(list[1]!);
    assert.equal(set.pick().index, 2);
  });
});

test('in-flight table: one entry per identity and body; a finished fetch forgets only itself', () => {
  const table = new InFlightTable<string>();
  table.set('sub\u0001u1\u0000', '{"query":"{a}"}', 'first');
  assert.equal(table.get('sub\u0001u1\u0000', '{"query":"{a}"}'), 'first');
  assert.equal(table.get('sub\u0001u2\u0000', '{"query":"{a}"}'), undefined, 'never across identities');
  assert.equal(table.get('', '{"query":"{a}"}'), undefined, 'nor to an anonymous fetch');
  // A newer fetch under the same keys (the first was abandoned by its clients) is not forgotten
  // when the older one ends.
  table.set('sub\u0001u1\u0000', '{"query":"{a}"}', 'second');
  table.deleteIf('sub\u0001u1\u0000', '{"query":"{a}"}', 'first');
  assert.equal(table.get('sub\u0001u1\u0000', '{"query":"{a}"}'), 'second');
  table.deleteIf('sub\u0001u1\u0000', '{"query":"{a}"}', 'second');
  assert.equal(table.get('sub\u0001u1\u0000', '{"query":"{a}"}'), undefined);
  assert.equal((table as unknown as { byHeaders: Map<string, unknown> }).byHeaders.size, 0, 'no map kept for an identity with nothing in flight');
});

test('operation kind from the subgraph operation text', () => {
  assert.equal(operationKindOf('{me{id}}'), 'query');
  assert.equal(operationKindOf('query Q__accounts__0{me{id}}'), 'query');
  assert.equal(operationKindOf('  query($r:[_Any!]!){_entities(representations:$r){__typename}}'), 'query');
  assert.equal(operationKindOf('mutation M__orders__0{placeOrder{id}}'), 'mutation');
  assert.equal(operationKindOf('subscription{x}'), 'subscription');
  assert.equal(operationKindOf('queryx'), 'mutation', 'not recognised: never retried');
  assert.equal(operationKindOf('# comment\n{a}'), 'mutation');
});

test('traffic_shaping resilience keys: defaults, all, subgraphs.<name> merged key by key', () => {
  const defaults = trafficFor(trafficShapingConfigSchema.parse({}), 'orders');
  assert.equal(defaults.deduplicateQuery, true);
  assert.equal(defaults.compression, true);
  assert.deepEqual(defaults.retry, { maxAttempts: 3, minPerSec: 3, retryPercent: 0.2, ttlMs: 10_000, backoffBaseMs: 25, backoffMaxMs: 1_000, maxRetryAfterMs: 2_000 });
  assert.deepEqual(defaults.breaker, { failureRatio: 0.5, minimumRequests: 20, windowMs: 10_000, cooldownMs: 5_000, halfOpenProbes: 3 });
  assert.deepEqual(defaults.outlier, { consecutiveFailures: 5, baseEjectionMs: 10_000, maxEjectionMs: 60_000 });
  assert.equal(defaults.healthCheck, undefined);

  const config = trafficShapingConfigSchema.parse({
    all: { deduplicate_query: 'false', retry: { max_attempts: 5 }, circuit_breaker: { cooldown_ms: 100 } },
    subgraphs: { reviews: { retry: { enabled: false }, circuit_breaker: { minimum_requests: 2 }, health_check: { interval_ms: 500 } } },
  });
  const orders = trafficFor(config, 'orders');
  const reviews = trafficFor(config, 'reviews');
  assert.equal(orders.deduplicateQuery, false);
  assert.equal(orders.retry?.maxAttempts, 5);
  assert.equal(reviews.retry, undefined);
  assert.deepEqual([reviews.breaker?.cooldownMs, reviews.breaker?.minimumRequests], [100, 2]);
  assert.deepEqual(reviews.healthCheck, { intervalMs: 500, timeoutMs: 1_000 });
  assert.throws(() => trafficShapingConfigSchema.parse({ all: { retry: { max_attempts: 0 } } }));
  assert.throws(() => trafficShapingConfigSchema.parse({ all: { circuit_breaker: { failure_ratio: 2 } } }));
  assert.throws(() => trafficShapingConfigSchema.parse({ all: { retry: { retry_mutations: true } } }), 'mutations are never retried: no such key');
  assert.deepEqual(overrideSubgraphUrlSchema.parse({ a: 'http://x/graphql', b: ['http://y/graphql', 'http://z/graphql'] }), {
    a: 'http://x/graphql',
    b: ['http://y/graphql', 'http://z/graphql'],
  });
  assert.throws(() => overrideSubgraphUrlSchema.parse({ b: [] }));
});
