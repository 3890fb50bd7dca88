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

  it('refuses a negative bound; a bound of 0 keeps nothing', () => {
    assert.throws(() => new LruCache(-1), RangeError);
    const off = new LruCache<string, number>(0);
    off.set('a', 1);
    assert.equal(off.get('a'), undefined);
  });

  it('never returns an entry at or past its deadline', () => {
    const lru = new LruCache<string, number>(4);
    lru.set('short', 1, 1_000);
    lru.set('forever', 2);
    assert.equal(lru.get('short', 999), 1);
    assert.equal(lru.get('short', 1_000), undefined);
    assert.equal(lru.has('short'), false, 'an expired entry is dropped when met');
    assert.equal(lru.get('forever', Number.MAX_SAFE_INTEGER), 2);
  });
});
