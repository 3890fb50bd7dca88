import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonical, makeBodyCheck } from '../../bench/lib/verify.ts';

describe('bench response check', () => {
  const check = makeBodyCheck({ a: 1, b: [{ x: 'y', z: null }] });

  it('accepts the expected data whatever the key order', () => {
    assert.equal(check('{"data":{"a":1,"b":[{"x":"y","z":null}]}}'), true);
    assert.equal(check('{"data":{"b":[{"z":null,"x":"y"}],"a":1},"extensions":{"t":1}}'), true);
  });

  it('rejects errors, wrong data, and what is not JSON', () => {
    assert.equal(check('{"data":{"a":1,"b":[{"x":"y","z":null}]},"errors":[{"message":"x"}]}'), false);
    assert.equal(check('{"data":{"a":2,"b":[{"x":"y","z":null}]}}'), false);
    assert.equal(check('{"data":{"a":1,"b":[]}}'), false);
    assert.equal(check('{"data":null}'), false);
    assert.equal(check('<html>502</html>'), false);
    assert.equal(check('null'), false);
  });

  it('a REST answer: the whole body is the data', () => {
    const rest = makeBodyCheck({ a: 1, b: [{ x: 'y', z: null }] }, true);
    assert.equal(rest('{"b":[{"z":null,"x":"y"}],"a":1}'), true);
    assert.equal(rest('{"data":{"a":1,"b":[{"x":"y","z":null}]}}'), false);
    assert.equal(rest('{"errors":[{"message":"x"}]}'), false);
    assert.equal(rest('not json'), false);
  });

  it('keeps list order significant', () => {
    assert.notEqual(canonical([1, 2]), canonical([2, 1]));
  });
});
