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

  it('drops the least recently used entries while over its byte bound', () => {
    const lru = new LruCache<string, string>(100, { maxBytes: 10, sizeOf: (value) => value.length });
    lru.set('a', 'xxxx');
    lru.set('b', 'xxxx');
    assert.equal(lru.bytes, 8);
    lru.get('a'); // b is now the oldest
    lru.set('c', 'xxxx');
    assert.equal(lru.has('b'), false);
    assert.deepEqual([lru.has('a'), lru.has('c')], [true, true]);
    assert.equal(lru.bytes, 8);
    lru.set('d', 'xxxxxxxxx'); // 9 bytes: only it fits
    assert.deepEqual([lru.size, lru.bytes], [1, 9]);
  });

  it('keeps nothing under a key whose entry alone is over the byte bound', () => {
    const lru = new LruCache<string, string>(100, { maxBytes: 5, sizeOf: (value, key) => value.length + key.length });
    lru.set('k', 'ok');
    lru.set('k', 'far too long');
    assert.equal(lru.get('k'), undefined, 'the older value is gone too');
    assert.deepEqual([lru.size, lru.bytes], [0, 0]);
  });

  it('counts bytes back out on delete, replace, expiry and clear', () => {
    const lru = new LruCache<string, string>(100, { maxBytes: 100, sizeOf: (value) => value.length });
    lru.set('a', 'xxx');
    lru.set('a', 'xxxxx');
    assert.equal(lru.bytes, 5, 'a replaced entry is counted once');
    lru.set('b', 'xx', 1_000);
    assert.equal(lru.get('b', 1_000), undefined);
    assert.equal(lru.bytes, 5, 'an expired entry met by get is counted out');
    lru.delete('a');
    assert.equal(lru.bytes, 0);
    lru.set('c', 'x');
    lru.clear();
    assert.deepEqual([lru.size, lru.bytes], [0, 0]);
  });

  it('refuses a byte bound without a size estimate', () => {
    assert.throws(() => new LruCache(10, { maxBytes: 100 }), /sizeOf/);
    assert.throws(() => new LruCache(10, { maxBytes: -1, sizeOf: () => 1 }), RangeError);
  });
});
