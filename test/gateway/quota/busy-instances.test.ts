// The issue-9 proof: three `tollgate serve` processes on one Redis (the test's own), each kept busy
// by a second client's heavy, distinct queries (parse + validate + execute of thousands of aliases:
// event-loop lag far above the old 50 ms timeout), while 60 concurrent requests of a client limited
// to N arrive, spread over the three. Exactly N admitted, burst after burst, the first one right
// after start included; Redis's own state (the bucket's TAT on Redis's clock) holds exactly N charges;
// no gateway marked Redis failed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { postGraphQL } from '../../support/gateway.ts';
import { uniquePrefix } from '../../support/redis.ts';
import { apiKeysFor, startGatewayProcesses, type GatewayProcesses, type OwnRedis } from './helpers.ts';

const N = 10;
const WINDOW_S = 3600;
const REQUESTS = 60;
const INSTANCES = 3;
const BURSTS = ['burst-1', 'burst-2', 'burst-3'] as const;
/** Heavy requests in flight per instance while a burst runs. */
const HEAVY_CONCURRENCY = 6;
const TIMEOUT_MS = 100;
const HEAVY_ALIASES = 1000;

const apiKeys = apiKeysFor([...BURSTS.map((clientId) => ({ clientId })), { clientId: 'heavy' }]);
const as = (client: string) => ({ 'x-api-key': apiKeys.keys[client]! });

/** A query no cache has seen: thousands of aliases of one field, named afresh each time. */
function heavyQuery(): string {
  const tag = randomUUID().slice(0, 8).replace(/-/g, '');
  let body = '';
  for (let i = 0; i < HEAVY_ALIASES; i++) body += ` h${tag}${i}: hello`;
  return `{${body} }`;
}

/** Charges a bucket holds, from its TAT and Redis's clock (a token refills every 360 s: none in a test). */
async function chargesHeld(redis: Redis, key: string): Promise<number> {
  const [tat, [seconds, micros]] = await Promise.all([redis.get(key), redis.time()]);
  if (tat === null) return 0;
  return Math.ceil((Number(tat) - (Number(seconds) * 1e6 + Number(micros))) / ((WINDOW_S * 1e6) / N));
}

/** The event-loop lag (ms) quota checks waited through, from the gateways' warn lines. */
function lagsIn(logs: string): number[] {
  return [...logs.matchAll(/"lagMs":(\d+)/g)].map((m) => Number(m[1]));
}

function maxLag(logs: string): number {
  return Math.max(0, ...lagsIn(logs));
}

describe(`${INSTANCES} busy gateway processes sharing one Redis`, () => {
  const prefix = uniquePrefix('busy-instances');
  let processes: GatewayProcesses;
  let redis: OwnRedis;
  let urls: string[];

  before(async () => {
    processes = await startGatewayProcesses(INSTANCES, (url) => ({
      authentication: { api_keys: apiKeys.config },
      // The load is thousands of aliases on purpose: lift the document limits that refuse them.
      limits: { max_aliases: 100_000, max_height: 100_000, max_root_fields: 100_000 },
      // A deadline of 100 ms (the default is 500): the lag the load causes exceeds it many times
      // over, so a gateway that counted lag against Redis would fail over on nearly every check.
      redis: { url, key_prefix: prefix, timeout_ms: TIMEOUT_MS },
      quotas: {
        rules: [{ key: ['client'], requests: { limit: N, window_s: WINDOW_S }, clients: { heavy: { requests: { limit: 1_000_000, window_s: 1 } } } }],
      },
    }));
    ({ redis, urls } = processes);
  });

  after(() => processes?.stop());

  test(`exactly ${N} of ${REQUESTS} per burst under load, the first burst after start included, one charge each in Redis`, async () => {
    assert.equal(new Set(urls).size, INSTANCES);
    const inspect = redis.client();
    let loading = true;
    let heavyDone = 0;
    // The load: HEAVY_CONCURRENCY heavy requests per instance, back to back, for as long as the bursts run.
    const heavyLoops = urls.flatMap((url) =>
      Array.from({ length: HEAVY_CONCURRENCY }, async () => {
        for (let i = 0; i < 10_000 && loading; i++) {
          const result = await postGraphQL(url, { query: heavyQuery() }, as('heavy'));
          assert.equal(result.status, 200, JSON.stringify(result.body).slice(0, 300));
          heavyDone++;
        }
      }),
    );
    try {
      // The precondition, made explicit: a quota check has waited through event-loop lag of more
      // than twice its deadline (bounded wait; the load is what the test is about).
      for (let waited = 0; maxLag(processes.logs()) <= 2 * TIMEOUT_MS; waited += 100) {
        assert.ok(waited < 60_000, `no quota check met event-loop lag over ${2 * TIMEOUT_MS} ms: ${JSON.stringify(lagsIn(processes.logs()))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const [b, client] of BURSTS.entries()) {
        // Let the load build up first (the first burst still meets Redis connections never used for a check).
        while (heavyDone < (b + 1) * INSTANCES * HEAVY_CONCURRENCY) await new Promise((r) => setTimeout(r, 20));
        const results = await Promise.all(
          Array.from({ length: REQUESTS }, (_, i) => postGraphQL(urls[i % INSTANCES]!, { query: '{ hello }' }, as(client))),
        );
        const statuses = results.map((r) => r.status);
        assert.equal(statuses.filter((s) => s === 200).length, N, `${client}: ${JSON.stringify(statuses)}`);
        assert.equal(statuses.filter((s) => s === 429).length, REQUESTS - N);
        assert.equal(await chargesHeld(inspect, `${prefix}{default|profile=default|client=${client}}:requests`), N, `${client}: Redis holds one charge per admitted request`);
      }
    } finally {
      loading = false;
      await Promise.allSettled(heavyLoops);
      inspect.disconnect();
    }
    const logs = processes.logs();
    // The load did what it is for: checks waited through lag of more than twice their deadline...
    const lags = lagsIn(logs);
    assert.ok(lags.length > 0 && Math.max(...lags) > 2 * TIMEOUT_MS, `event-loop lag seen by quota checks: ${JSON.stringify(lags)}`);
    // ...and no gateway took it for a failing Redis.
    assert.doesNotMatch(logs, /quota store unavailable/);
    process.stdout.write(`# heavy requests ${heavyDone}; event-loop lag waited through (ms): max ${Math.max(...lags)}, logged ${JSON.stringify(lags)}\n`);
  });
});
