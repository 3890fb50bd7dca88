// The primary's restart backoff (workers-primary.ts): a worker that keeps crashing right after its
// start is started again ever less often, up to once per 30 s, so a crash loop cannot spin the CPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restartDelayMs } from '../../../gateway/src/workers-primary.ts';

test('a worker that ran a while is started again at once; quick exits in a row back off 250 ms doubling to 30 s', () => {
  assert.equal(restartDelayMs(0), 0);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map(restartDelayMs), [250, 500, 1000, 2000, 4000, 8000, 16000, 30000]);
  assert.equal(restartDelayMs(50), 30_000, 'bounded however long the loop lasts');
});
