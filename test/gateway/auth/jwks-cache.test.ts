import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteJwks } from '../../../gateway/src/auth/jwks-cache.ts';
import { KeySetUnavailableError } from '../../../gateway/src/auth/keys.ts';
import { deadUrl, makeKey, manualClock, silentLogger, startJwksServer, type JwksServer, type TestKey } from './helpers.ts';

const POLL_MS = 60_000;
const COOLDOWN_MS = 10_000;

describe('RemoteJwks: one JWKS URL, cached', () => {
  let server: JwksServer;
  let rsa: TestKey;
  let rsaNext: TestKey;
  let clock: ReturnType<typeof manualClock>;
  let jwks: RemoteJwks;

  const make = (url = server.url) =>
    new RemoteJwks({
      label: 'jwks[0]',
      url,
      algorithms: ['RS256'],
      issuers: [],
      audiences: [],
      pollIntervalMs: POLL_MS,
      cooldownMs: COOLDOWN_MS,
      timeoutMs: 2_000,
      logger: silentLogger,
      now: clock.now,
    });

  before(async () => {
    rsa = await makeKey('RS256', 'k1');
    rsaNext = await makeKey('RS256', 'k2');
    server = await startJwksServer();
  });
  after(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.publish([rsa.publicJwk]);
    server.behave('up');
    clock = manualClock();
    jwks = make();
  });

  test('fetches once, then serves keys from the cache', async () => {
    const before = server.fetches();
    for (let i = 0; i < 5; i++) assert.equal((await jwks.keysFor('k1', 'RS256')).length, 1);
    assert.equal(server.fetches() - before, 1);
  });

  test('a key that does not fit the algorithm is not offered (kid is only a lookup key)', async () => {
    assert.equal((await jwks.keysFor('k1', 'ES256')).length, 0);
    assert.equal((await jwks.keysFor('k1', 'HS256')).length, 0);
  });

  test('a flood of unknown kids fetches at most once per cool-down', async () => {
    await jwks.keysFor('k1', 'RS256');
    const before = server.fetches();
    await jwks.keysFor('bogus', 'RS256');
    assert.equal(server.fetches(), before, 'no refetch within the cool-down of the first fetch');

    clock.advance(COOLDOWN_MS);
    // 200 made-up kids, concurrently and then one after the other: one refetch for all of them.
    await Promise.all(Array.from({ length: 100 }, (_, i) => jwks.keysFor(`bogus-${i}`, 'RS256')));
    for (let i = 100; i < 200; i++) assert.deepEqual(await jwks.keysFor(`bogus-${i}`, 'RS256'), []);
    assert.equal(server.fetches() - before, 1);

    clock.advance(COOLDOWN_MS);
    await Promise.all(Array.from({ length: 50 }, (_, i) => jwks.keysFor(`again-${i}`, 'RS256')));
    assert.equal(server.fetches() - before, 2, 'one more fetch after the cool-down');
  });

  test('rotation: a newly published kid is fetched on first sight; a removed key goes at the next poll', async () => {
    const [first] = await jwks.keysFor('k1', 'RS256');
    clock.advance(COOLDOWN_MS);
    server.publish([rsa.publicJwk, rsaNext.publicJwk]);
    assert.equal((await jwks.keysFor('k2', 'RS256')).length, 1, 'new key accepted without restart');

    server.publish([rsaNext.publicJwk]);
    assert.equal((await jwks.keysFor('k1', 'RS256')).length, 1, 'old key still cached before the poll interval');
    clock.advance(POLL_MS);
    assert.equal((await jwks.keysFor('k1', 'RS256')).length, 0, 'old key gone after the cache expired');
    assert.equal(first?.removed, true, 'the removed key is marked (ends cached verifications)');
  });

  test('endpoint down with a warm cache: keys still served, one attempt per cool-down', async () => {
    await jwks.keysFor('k1', 'RS256');
    server.behave('error');
    clock.advance(POLL_MS);
    const before = server.fetches();
    assert.equal((await jwks.keysFor('k1', 'RS256')).length, 1);
    assert.equal((await jwks.keysFor('k1', 'RS256')).length, 1);
    assert.equal(server.fetches() - before, 1, 'tried once, then cooled down');
    assert.deepEqual(jwks.stats(), { fetches: 2, failures: 1, keys: 1 });
  });

  test('endpoint down with a cold cache: KeySetUnavailableError, and no fetch storm', async () => {
    server.behave('error');
    const before = server.fetches();
    await assert.rejects(jwks.keysFor('k1', 'RS256'), KeySetUnavailableError);
    await assert.rejects(jwks.keysFor('k1', 'RS256'), KeySetUnavailableError);
    assert.equal(server.fetches() - before, 1);
    server.behave('up');
    clock.advance(COOLDOWN_MS);
    assert.equal((await jwks.keysFor('k1', 'RS256')).length, 1, 'recovers after the cool-down');
  });

  test('connection refused with a cold cache: KeySetUnavailableError', async () => {
    const dead = make(await deadUrl());
    await assert.rejects(dead.keysFor('k1', 'RS256'), /no keys fetched yet/);
  });

  test('a hanging endpoint is bounded by timeout_ms', async () => {
    server.behave('hang');
    const slow = new RemoteJwks({
      label: 'jwks[0]', url: server.url, algorithms: ['RS256'], issuers: [], audiences: [],
      pollIntervalMs: POLL_MS, cooldownMs: COOLDOWN_MS, timeoutMs: 100, logger: silentLogger, now: clock.now,
    });
    await assert.rejects(slow.keysFor('k1', 'RS256'), KeySetUnavailableError);
    slow.close();
  });

  test('symmetric (oct) keys and private members of a published JWKS are dropped', async () => {
    server.publish([{ kty: 'oct', k: 'c2VjcmV0', kid: 'k1' }, { ...rsa.publicJwk, d: 'private-part' }]);
    const keys = await jwks.keysFor('k1', 'RS256');
    assert.equal(keys.length, 1);
    assert.equal('d' in (keys[0] as unknown as { jwk: object }).jwk, false);
  });
});
