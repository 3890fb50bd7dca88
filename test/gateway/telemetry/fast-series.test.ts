// The fast series must scrape exactly as prom-client's own Counter and Histogram would for the
// same observations (bucket edges included: a value equal to a bound counts in that bucket).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../../../gateway/src/telemetry/fast-series.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVATIONS: Array<[string, string, number]> = [
  ['A', 'web', 0.001],
  ['A', 'web', 0.0011],
  ['A', 'web', 0.5],
  ['A', 'ios', 1],
  ['A', 'ios', 7],
  ['B', 'web', 0],
];

test('FastCounter and FastHistogram scrape as prom-client Counter and Histogram', async () => {
  const reference = new Registry();
  const counter = new Counter({ name: 'x_total', help: 'h', labelNames: ['operation', 'client'], registers: [reference] });
  const histogram = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['operation', 'client'], buckets: BUCKETS, registers: [reference] });
  const fast = new Registry();
  const fastCounter = new FastCounter('x_total', 'h', ['operation', 'client'], fast);
  const fastHistogram = new FastHistogram('x_seconds', 'h', ['operation', 'client'], BUCKETS, fast);
  for (const [operation, client, value] of OBSERVATIONS) {
    counter.labels(operation, client).inc();
    histogram.labels(operation, client).observe(value);
    fastCounter.inc(`${operation}|${client}`, [operation, client]);
    fastHistogram.observe(`${operation}|${client}`, [operation, client], value);
  }
  const lines = (text: string) => text.split('\n').filter(Boolean).sort();
  assert.deepEqual(lines(await fast.metrics()), lines(await reference.metrics()));
  assert.ok((await fast.metrics()).includes('x_seconds_bucket{le="0.001",operation="A",client="web"} 1'), 'a value on a bound counts in that bucket');
});
