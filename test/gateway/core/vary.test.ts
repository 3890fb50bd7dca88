// core/vary.ts: parts of one answer each add their token to `vary` (CORS: origin; a cacheable GET:
// accept); none replaces another's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerResponse, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { appendVary, mergeVary, setHeaders } from '../../../gateway/src/core/vary.ts';

test('mergeVary appends what is missing, once, case-insensitively; * stays *', () => {
  assert.equal(mergeVary('origin', 'accept'), 'origin, accept');
  assert.equal(mergeVary('Origin', 'origin'), 'Origin');
  assert.equal(mergeVary('origin, access-control-request-method', 'accept, origin'), 'origin, access-control-request-method, accept');
  assert.equal(mergeVary('*', 'origin'), '*');
  assert.equal(mergeVary('', 'origin'), 'origin');
});

test('appendVary and setHeaders on a response: vary merged, other headers replaced', () => {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  appendVary(res, 'origin');
  setHeaders(res, { 'cache-control': 'public, max-age=60', vary: 'accept' });
  setHeaders(res, { 'cache-control': 'no-store' });
  assert.equal(res.getHeader('vary'), 'origin, accept');
  assert.equal(res.getHeader('cache-control'), 'no-store');
});
