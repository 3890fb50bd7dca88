// `memory` in gateway.yaml: the budget and the caches' bounds, validated at start-up (every error
// names its key), and the caches' defaults: 1000 entries and a share of the budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../gateway/src/config/load.ts';
import { ConfigError } from '../../../gateway/src/core/config-errors.ts';
import { cacheBounds } from '../../../gateway/src/memory/config.ts';

const MB = 2 ** 20;
const parse = (memory: unknown, env: Record<string, string> = {}) => parseConfig({ supergraph: { file: 's.graphql' }, memory }, env);
const refused = (memory: unknown, key: RegExp) =>
  assert.throws(() => parse(memory), (error: unknown) => error instanceof ConfigError && key.test(error.message), JSON.stringify(memory));

test('memory.max_mb: a whole number of MB from 256 on, also from the environment', () => {
  assert.equal(parse({ max_mb: 512 }).memory.max_mb, 512);
  assert.equal(parse({ max_mb: '${MB}' }, { MB: '1024' }).memory.max_mb, 1024);
  assert.equal(parse({}).memory.max_mb, undefined);
  refused({ max_mb: 100 }, /memory\.max_mb: .*256/);
  refused({ max_mb: 300.5 }, /memory\.max_mb: /);
  refused({ max_mb: 'lots' }, /memory\.max_mb: /);
  refused({ max_bm: 512 }, /memory\.max_bm: unknown key/);
  // An invalid budget is one error, not also a cache check against it.
  assert.throws(() => parse({ max_mb: -5 }), (error: unknown) => error instanceof ConfigError && !/plan_cache/.test(error.message) && /memory\.max_mb: /.test(error.message));
});

test('memory.heap_growing_percent: 50 unless set, 0 (V8’s own heuristic) to 300', () => {
  assert.equal(parse({}).memory.heap_growing_percent, 50);
  assert.equal(parse({ heap_growing_percent: 0 }).memory.heap_growing_percent, 0);
  refused({ heap_growing_percent: 301 }, /memory\.heap_growing_percent: /);
  refused({ heap_growing_percent: 12.5 }, /memory\.heap_growing_percent: /);
});

test('a cache’s bounds: entries and MB, neither negative, no other key', () => {
  const memory = parse({ plan_cache: { max_entries: 50, max_mb: 8 }, document_cache: { max_entries: 0 } }).memory;
  assert.deepEqual(cacheBounds(memory, undefined).plans, { maxEntries: 50, maxBytes: 8 * MB });
  assert.equal(cacheBounds(memory, undefined).documents.maxEntries, 0, '0 switches a cache off');
  refused({ plan_cache: { max_entries: -1 } }, /memory\.plan_cache\.max_entries: /);
  refused({ document_cache: { max_mb: -2 } }, /memory\.document_cache\.max_mb: /);
  refused({ persisted_query_cache: { size: 10 } }, /memory\.persisted_query_cache\.size: unknown key/);
});

test('caches default to 1000 entries and 1/8, 1/16, 1/32 of the budget, of 512 MB without one', () => {
  const defaults = parse({}).memory;
  assert.deepEqual(cacheBounds(defaults, undefined), {
    plans: { maxEntries: 1000, maxBytes: 64 * MB },
    documents: { maxEntries: 1000, maxBytes: 32 * MB },
    persistedQueries: { maxEntries: 1000, maxBytes: 16 * MB },
  });
  const budgeted = cacheBounds(parse({ max_mb: 2048 }).memory, 2048);
  assert.deepEqual([budgeted.plans.maxBytes, budgeted.documents.maxBytes, budgeted.persistedQueries.maxBytes], [256 * MB, 128 * MB, 64 * MB]);
});

test('caches set to more than half of memory.max_mb fail start-up, naming the cache', () => {
  refused({ max_mb: 512, document_cache: { max_mb: 300 } }, /memory\.document_cache\.max_mb: the caches would hold 380 MB, more than half of memory\.max_mb \(512\)/);
  assert.equal(parse({ max_mb: 512, plan_cache: { max_mb: 200 } }).memory.plan_cache.max_mb, 200, '200 + 32 + 16 fits in 256');
});
