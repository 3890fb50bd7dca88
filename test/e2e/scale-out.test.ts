// Issue 18, the scale-out: the `npm run stack:prod` topology (deploy/stack/: its own redis-server,
// the backends and subgraphs, three gateway replicas on deploy/gateway.yaml, HAProxy on
// deploy/haproxy/haproxy.cfg) under a bounded load on loopback. Quotas are exact across the
// replicas; a replica killed costs at most its in-flight requests, each with a retryable status
// (HAProxy retries those that got no answer byte, so usually none fails); a rolling
// restart (SIGTERM, drain, start again) costs none, because /ready takes each replica out of
// HAProxy's rotation before it exits.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startProdStack, waitUntil, type ProdStack } from '../../deploy/stack/stack.ts';
import { parseMetrics } from '../support/metrics.ts';

const QUERY = '{ featuredProducts(first: 2) { upc name } }';
const ANONYMOUS_LIMIT = 30;
// The gateways' drain: HAProxy needs ~1.5 s (2 checks, 1 s then 0.5 s apart) to see /ready's 503.
const DRAIN_MS = 3_000;

interface Outcome {
  startedAt: number;
  status: number | 'network-error';
  error?: string;
}

/** `concurrency` clients, each sending one request after another until stop() (at most `max` in all). */
function startLoad(url: string, concurrency: number, max = 4_000) {
  const outcomes: Outcome[] = [];
  let running = true;
  let sent = 0;
  const client = async () => {
    while (running && sent < max) {
      // A fresh client IP per request (believed from loopback: quotas.trusted_proxies), so the
      // anonymous quota never refuses the load.
      const n = sent++;
      const startedAt = performance.now();
      try {
        const res = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.18.${(n >> 8) & 255}.${n & 255}` },
          body: JSON.stringify({ query: QUERY }),
          signal: AbortSignal.timeout(20_000),
        });
        const body = (await res.json()) as { data?: unknown };
        outcomes.push({ startedAt, status: res.status === 200 && body.data ? 200 : res.status });
      } catch (err) {
        const cause = (err as Error & { cause?: Error }).cause;
        outcomes.push({ startedAt, status: 'network-error', error: `${(err as Error).message}: ${cause?.message ?? ''}` });
      }
    }
  };
  const clients = Array.from({ length: concurrency }, client);
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(clients);
      return outcomes;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failures = (outcomes: Outcome[]) => outcomes.filter((o) => o.status !== 200);

describe('scale-out: npm run stack:prod under load (HAProxy, three replicas, one Redis)', () => {
  let stack: ProdStack;

  before(async () => {
    stack = await startProdStack({
      install: false,
      gatewayEnv: { QUOTA_ANONYMOUS_REQUESTS_PER_MINUTE: String(ANONYMOUS_LIMIT), SHUTDOWN_DRAIN_MS: String(DRAIN_MS), ACCESS_LOG: 'false' },
    });
  });

  after(async () => {
    await stack?.stop();
  });

  test('every part runs as its own process, and the load balancer sees three replicas UP', async () => {
    const pids = new Set(stack.endpoints().map((e) => e.pid));
    // redis, backends, subgraphs, three gateways, haproxy.
    assert.equal(pids.size, 7);
    assert.deepEqual(await stack.lbServerStates(), { 'gateway-1': 'UP', 'gateway-2': 'UP', 'gateway-3': 'UP' });
  });

  test('a quota is exact across the three replicas: the limit admitted, not three times it', async () => {
    const client = '203.0.113.77';
    const statuses: number[] = [];
    for (let batch = 0; batch < 6; batch++) {
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          fetch(`${stack.lbUrl}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
            body: JSON.stringify({ query: QUERY }),
          }).then(async (res) => (await res.arrayBuffer(), res.status)),
        ),
      );
      statuses.push(...results);
    }
    assert.equal(statuses.filter((s) => s === 200).length, ANONYMOUS_LIMIT);
    assert.equal(statuses.filter((s) => s === 429).length, 60 - ANONYMOUS_LIMIT);
    // Round robin spread them: every replica took decisions for this client.
    for (const replica of stack.replicas) {
      const samples = parseMetrics(await (await fetch(`${replica.url}/metrics`)).text());
      const decided = samples.filter((s) => s.name === 'tollgate_quota_decisions_total' && s.labels.profile === 'anonymous').reduce((sum, s) => sum + s.value, 0);
      assert.ok(decided > 0, `${replica.name} took no quota decision`);
    }
  });

  test('a replica killed (SIGKILL) costs at most its in-flight requests, each with a retryable status', async () => {
    const victim = stack.replicas[1]!;
    const load = startLoad(stack.lbUrl, 6);
    await sleep(1_500);
    victim.process().signal('SIGKILL');
    await victim.process().whenExited();
    const exitedAt = performance.now();
    // Until HAProxy's checks mark it DOWN, requests it sends there are refused and redispatched.
    await waitUntil(async () => (await stack.lbServerStates())[victim.name]?.startsWith('DOWN') ?? false, null, 10_000, `${victim.name} DOWN`);
    await sleep(1_000);
    const outcomes = await load.stop();

    const failed = failures(outcomes);
    assert.ok(outcomes.length > 50, `bounded but real load: ${outcomes.length} requests`);
    assert.ok(failed.length <= 6, `at most the requests in flight on it (6 clients): ${JSON.stringify(failed)}`);
    for (const f of failed) {
      assert.ok([502, 503, 504].includes(f.status as number), `a retryable status, not a broken connection or a 500: ${JSON.stringify(f)}`);
      assert.ok(f.startedAt < exitedAt, 'sent before the replica died');
    }
    assert.equal(failures(outcomes.filter((o) => o.startedAt > exitedAt)).length, 0, 'nothing sent after it died failed');

    await victim.start();
    await waitUntil(async () => (await stack.lbServerStates())[victim.name] === 'UP', null, 15_000, `${victim.name} UP again`);
  });

  test('a rolling restart (SIGTERM, drain, start) fails no request: /ready takes each replica out before it exits', async () => {
    const load = startLoad(stack.lbUrl, 6);
    for (const replica of stack.replicas) {
      const proc = replica.process();
      proc.signal('SIGTERM');
      let outOfRotationAt: number | null = null;
      // Poll HAProxy's view while the replica drains: it must leave rotation while still running.
      while (proc.exited() === null) {
        const state = (await stack.lbServerStates())[replica.name] ?? '';
        if (outOfRotationAt === null && state.startsWith('DOWN')) outOfRotationAt = performance.now();
        await sleep(100);
      }
      assert.ok(outOfRotationAt !== null, `${replica.name} was still in rotation when it exited`);
      assert.deepEqual(proc.exited(), { code: 0, signal: null }, `${replica.name} drained and exited 0`);
      await replica.start();
      await waitUntil(async () => (await stack.lbServerStates())[replica.name] === 'UP', null, 15_000, `${replica.name} UP again`);
    }
    const outcomes = await load.stop();
    assert.ok(outcomes.length > 100, `bounded but real load: ${outcomes.length} requests`);
    assert.deepEqual(failures(outcomes), [], 'no request failed during the rolling restart');
  });
});
