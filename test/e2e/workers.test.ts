// `tollgate serve --workers N` (issue 18): one port, N worker processes under a primary. Real
// processes on loopback: requests reach both workers (their access-log lines name the worker),
// /ready counts live workers, a worker killed with SIGKILL is started again while the other serves,
// /metrics adds up every worker's series, the memory quota store stays exact across workers (the
// primary's, over IPC) as the Redis one does, SIGHUP reaches every worker, SIGTERM drains them all.
// Start-up, bad values and the memory budget: workers-startup.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { eventually } from '../support/eventually.ts';
import { connectTestRedis, deletePrefix, REDIS_URL, uniquePrefix } from '../support/redis.ts';
import { counterSum, ids, postOnNewConnection, readiness, workerPids, workersOf, WorkersFixture } from '../support/workers.ts';

describe('tollgate serve --workers', () => {
  const fx = new WorkersFixture();
  before(() => fx.start());
  after(() => fx.stop());

  test('two workers: both serve, /ready counts them, /metrics adds them up, quotas are exact, SIGHUP reaches both, SIGKILL of one is survived', async () => {
    // key [operation]: each operation name its own budget of 6 an hour (the test's other requests use other names).
    const quotas = 'quotas:\n  rules:\n    - key: [operation]\n      requests: { limit: 6, window_s: 3600 }\n';
    const { gateway, url, file } = await fx.serve('two', fx.yaml(quotas));

    // Every request on a connection of its own: the primary deals connections out in turn.
    const spread = await Promise.all(ids('spread', 4).map((id) => postOnNewConnection(url, 'query Spread { hello }', id)));
    assert.deepEqual(spread.map((a) => a.status), [200, 200, 200, 200]);
    const servedBy = await workersOf(gateway, ids('spread', 4));
    assert.deepEqual([...servedBy].sort(), [1, 2], 'requests were served by both workers');

    const ready = await readiness(url);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body.workers, { live: 2, configured: 2 });
    assert.ok(ready.body.worker === 1 || ready.body.worker === 2, 'the answering worker is named');
    assert.deepEqual((ready.body as { quotas?: unknown }).quotas, { store: 'memory', held_by: 'primary' });

    // /metrics: one scrape counts the requests every worker served.
    const counted = await Promise.all(ids('counted', 6).map((id) => postOnNewConnection(url, 'query Counted { hello }', id)));
    assert.ok(counted.every((a) => a.status === 200));
    assert.equal((await workersOf(gateway, ids('counted', 6))).size, 2, 'both workers counted some');
    const metricsText = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
    assert.equal(counterSum(metricsText, 'tollgate_requests_total', 'operation="Counted"'), 6, 'the total of both workers');
    assert.match(metricsText, /^tollgate_workers\{state="live"\} 2$/m);
    // Both workers' histograms add up too (FastHistogram): 6 observations.
    assert.equal(counterSum(metricsText, 'tollgate_request_duration_seconds_count', 'operation="Counted"'), 6);

    // Quotas: 12 requests of one operation over both workers, 6 admitted — the primary's store decides for both.
    const limited = await Promise.all(ids('limited', 12).map((id) => postOnNewConnection(url, 'query Limited { hello }', id)));
    assert.equal(limited.filter((a) => a.status === 200).length, 6, 'exactly the limit admitted across both workers');
    assert.equal(limited.filter((a) => a.status === 429).length, 6);
    assert.equal((await workersOf(gateway, ids('limited', 12))).size, 2, 'both workers decided some');

    // SIGHUP: the primary checks the file once, every worker applies it.
    await writeFile(file, fx.yaml(`${quotas}limits:\n  max_aliases: 1\n`));
    gateway.child.kill('SIGHUP');
    await gateway.waitFor(/tollgate: SIGHUP: config reloaded \(2 workers\)/);
    const aliased = await Promise.all(ids('aliased', 4).map((id) => postOnNewConnection(url, 'query Aliased { a: hello b: hello }', id)));
    assert.deepEqual(aliased.map((a) => a.body.errors?.[0]?.extensions?.code), Array(4).fill('MAX_ALIASES_LIMIT'));
    assert.equal((await workersOf(gateway, ids('aliased', 4))).size, 2, 'both workers have the new limit');

    // SIGKILL of worker 1: worker 2 serves meanwhile, worker 1 is started again, the count recovers.
    const before = workerPids(gateway);
    assert.equal(before.size, 2);
    process.kill(before.get(1)!, 'SIGKILL');
    await gateway.waitFor(/"worker":1[^\n]*worker 1 was ended by SIGKILL; starting it again/);
    const during = await Promise.all([1, 2, 3].map((i) => postOnNewConnection(url, 'query During { hello }', `during-${i}`)));
    assert.deepEqual(during.map((a) => a.status), [200, 200, 200], 'the other worker kept serving');
    await eventually('worker 1 started again', async () => (workerPids(gateway).get(1) ?? before.get(1)) !== before.get(1));
    await eventually('/ready counts 2 live workers again', async () => (await readiness(url)).body.workers?.live === 2);
    assert.equal(workerPids(gateway).get(2), before.get(2), 'worker 2 was never restarted');
    const metricsAfter = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
    assert.match(metricsAfter, /^tollgate_worker_restarts_total 1$/m);
    await gateway.stop('SIGKILL');
  });

  test('quotas stay exact across workers with Redis (own key prefix)', async () => {
    const prefix = uniquePrefix('workers');
    const redis = connectTestRedis();
    try {
      const quotas = `redis:\n  url: ${REDIS_URL}\n  key_prefix: "${prefix}"\nquotas:\n  rules:\n    - key: [operation]\n      requests: { limit: 5, window_s: 3600 }\n`;
      const { gateway, url } = await fx.serve('redis', fx.yaml(quotas));
      const answers = await Promise.all(ids('shared', 10).map((id) => postOnNewConnection(url, 'query Shared { hello }', id)));
      assert.equal(answers.filter((a) => a.status === 200).length, 5);
      assert.equal(answers.filter((a) => a.status === 429).length, 5);
      assert.equal((await workersOf(gateway, ids('shared', 10))).size, 2, 'both workers decided some');
      await gateway.stop('SIGKILL');
    } finally {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    }
  });

  test('SIGTERM drains every worker: /ready 503, a request in flight completes, exit 0', async () => {
    fx.holdSlow();
    const { gateway, url } = await fx.serve('term', fx.yaml());
    const calls = fx.subgraph.received.length;
    const inFlight = postOnNewConnection(url, '{ slow }', 'in-flight');
    for (let i = 0; i < 200 && fx.subgraph.received.length === calls; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(fx.subgraph.received.length, calls + 1, 'the slow request reached the subgraph');

    const exited = gateway.stop('SIGTERM');
    await gateway.waitFor(/tollgate: SIGTERM: draining 2 workers, then stopping/);
    await eventually('/ready says draining', async () => (await readiness(url).catch(() => undefined))?.body.status === 'draining');

    fx.release();
    const answered = await inFlight;
    assert.deepEqual(answered.body, { data: { slow: 'done' } });
    assert.equal(await exited, 0);
    for (const pid of workerPids(gateway).values()) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} exited`);
  });
});
