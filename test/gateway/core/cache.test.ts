import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from '../../../gateway/src/core/cache.ts';

describe('LruCache', () => {
  it('drops the least recently used entry past its bound', () => {
    const lru = new LruCache<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    assert.equal(lru.get('a'), 1); // a is now the most recent
    lru.set('c', 3);
    assert.equal(lru.size, 2);
    assert.equal(lru.has('b'), false);
    assert.equal(lru.get('a'), 1);
    assert.equal(lru.get('c'), 3);
  });

  it('refuses a bound below 1', () => {
    assert.throws(() => new LruCache(0), RangeError);
  });
});
