// Exactness across instances: three gateways as separate processes (`tollgate serve`) share one
// Redis; a client with a limit of N fires well over N concurrent requests spread across them, and
// exactly N are admitted. The Redis is this test's own, so its command statistics count only these
// gateways: one EVALSHA per request, nothing else.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { postGraphQL } from '../../support/gateway.ts';
import { uniquePrefix } from '../../support/redis.ts';
import { apiKeysFor, startGatewayProcesses, type GatewayProcesses, type OwnRedis } from './helpers.ts';

const N = 20;
const WINDOW_S = 3600;
const REQUESTS = 60;
const INSTANCES = 3;

const apiKeys = apiKeysFor([{ clientId: 'mobile-app' }, { clientId: 'web-app' }, { clientId: 'warm-up' }]);
const as = (client: string) => ({ 'x-api-key': apiKeys.keys[client]! });

describe(`${INSTANCES} gateway processes sharing one Redis`, () => {
  let processes: GatewayProcesses;
  let redis: OwnRedis;
  let urls: string[];

  before(async () => {
    processes = await startGatewayProcesses(INSTANCES, (url) => ({
      authentication: { api_keys: apiKeys.config },
      redis: { url, key_prefix: uniquePrefix('multi-instance'), timeout_ms: 2000 },
      quotas: { rules: [{ key: ['client'], requests: { limit: N, window_s: WINDOW_S } }] },
    }));
    ({ redis, urls } = processes);
  });

  after(() => processes?.stop());

  test(`a client limited to ${N} per ${WINDOW_S} s gets exactly ${N} of ${REQUESTS} concurrent requests, in one Redis call each`, async () => {
    assert.equal(new Set(urls).size, INSTANCES);
    // One request per instance first, so each has loaded the script (its very first call may be
    // EVALSHA → NOSCRIPT → EVAL); then count only the burst.
    for (const url of urls) assert.equal((await postGraphQL(url, { query: '{ hello }' }, as('warm-up'))).status, 200);
    const stats = redis.client();
    await stats.config('RESETSTAT');

    const startedAt = performance.now();
    const results = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => postGraphQL(urls[i % INSTANCES]!, { query: '{ hello }' }, as('mobile-app'))),
    );
    const elapsedS = (performance.now() - startedAt) / 1000;

    // GCRA refills one token every WINDOW_S / N = 180 s; the burst takes far less, so no token came
    // back during it and the count must be exactly N (this precondition is checked, not assumed).
    const refilled = Math.floor((elapsedS * N) / WINDOW_S);
    assert.equal(refilled, 0, `the burst took ${elapsedS} s`);
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, N);
    assert.equal(statuses.filter((s) => s === 429).length, REQUESTS - N);
    for (const result of results) {
      if (result.status === 429) assert.equal(result.body.errors[0].extensions.code, 'RATE_LIMITED');
      else assert.deepEqual(result.body, { data: { hello: 'world' } });
    }
    // Every instance took part (round robin), and the admitted ones counted the shared bucket down.
    const remaining = results.filter((r) => r.status === 200).map((r) => Number(r.headers.get('x-ratelimit-remaining')));
    assert.deepEqual(remaining.sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i));

    // One round trip per request, admitted or not: REQUESTS EVALSHA calls and no other command.
    const commandStats = await stats.info('commandstats');
    stats.disconnect();
    const calls = Object.fromEntries(
      [...commandStats.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map(([, name, count]) => [name, Number(count)]),
    );
    delete calls.config; // the RESETSTAT above
    // Redis counts the commands the script runs too (TIME once, GET per bucket, SET when charged).
    const { evalsha, time, get, set, ...sentByClients } = calls;
    assert.deepEqual(sentByClients, {}, 'no command but EVALSHA reached Redis');
    assert.equal(evalsha, REQUESTS);
    assert.equal(time, REQUESTS, 'the script ran once per EVALSHA');
    assert.equal(get, REQUESTS);
    assert.equal(set, N, 'only admitted requests write');
  });

  test('another client is untouched, on every instance', async () => {
    for (const url of urls) {
      const result = await postGraphQL(url, { query: '{ hello }' }, as('web-app'));
      assert.equal(result.status, 200);
    }
    const last = await postGraphQL(urls[0]!, { query: '{ hello }' }, as('web-app'));
    assert.equal(last.headers.get('x-ratelimit-remaining'), String(N - INSTANCES - 1));
    // ...while mobile-app stays refused everywhere.
    for (const url of urls) assert.equal((await postGraphQL(url, { query: '{ hello }' }, as('mobile-app'))).status, 429);
  });
});
