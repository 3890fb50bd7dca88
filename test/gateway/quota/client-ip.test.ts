import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientIpResolver } from '../../../gateway/src/quota/client-ip.ts';

test('without trusted proxies, X-Forwarded-For is ignored: the socket peer is the client', () => {
  const resolver = new ClientIpResolver([]);
  assert.equal(resolver.resolve('203.0.113.7', '1.2.3.4'), '203.0.113.7');
});

test('a trusted proxy: the right-most untrusted hop is the client, forged left hops are ignored', () => {
  const resolver = new ClientIpResolver(['10.0.0.0/8', '192.0.2.1']);
  assert.equal(resolver.resolve('10.1.2.3', '6.6.6.6, 198.51.100.9, 192.0.2.1'), '198.51.100.9');
  assert.equal(resolver.resolve('::ffff:10.1.2.3', '198.51.100.9'), '198.51.100.9');
});

test('an untrusted peer cannot choose its IP with X-Forwarded-For', () => {
  const resolver = new ClientIpResolver(['10.0.0.0/8']);
  assert.equal(resolver.resolve('203.0.113.7', '10.0.0.1'), '203.0.113.7');
});

test('garbage in the chain falls back to the socket peer; an all-trusted chain gives its first hop', () => {
  const resolver = new ClientIpResolver(['10.0.0.0/8']);
  assert.equal(resolver.resolve('10.0.0.2', 'not-an-ip'), '10.0.0.2');
  assert.equal(resolver.resolve('10.0.0.2', '10.0.0.9, 10.0.0.8'), '10.0.0.9');
});

test('a bad trusted_proxies entry fails start-up naming it', () => {
  assert.throws(() => new ClientIpResolver(['10.0.0.0/8', 'proxy.local']), /quotas\.trusted_proxies: "proxy\.local"/);
});
