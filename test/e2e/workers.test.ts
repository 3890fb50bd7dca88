// `tollgate serve --workers N` (issue 18): one port, N worker processes under a primary. Real
// processes on loopback: requests reach both workers (their access-log lines name the worker),
// /ready counts live workers, a worker killed with SIGKILL is started again while the other serves,
// /metrics adds up every worker's series, the memory quota store stays exact across workers (the
// primary's, over IPC) as the Redis one does, SIGHUP reaches every worker, SIGTERM drains them all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heapSettings } from '../../bin/memory-budget.mjs';
import { eventually } from '../support/eventually.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../support/fixture-subgraph.ts';
import { composeForTest } from '../support/gateway.ts';
import { runProcess, spawnProcess, type Spawned } from '../support/processes.ts';
import { connectTestRedis, deletePrefix, REDIS_URL, uniquePrefix } from '../support/redis.ts';

const SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"]) type Query { hello: String slow: String }';

interface Answer {
  status: number;
  body: any;
}

/** One GraphQL POST on a connection of its own (the primary hands connections to workers in turn). */
function postOnNewConnection(url: string, query: string, requestId: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ query });
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-request-id': requestId, 'content-length': Buffer.byteLength(body) }, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The `worker` of the access-log line of request `requestId` (stdout is pino's JSON, one line each). */
function workerOf(gateway: Spawned, requestId: string): number | undefined {
  for (const line of gateway.stdout().split('\n')) {
    if (!line.includes(requestId)) continue;
    const entry = JSON.parse(line) as { requestId?: string; worker?: number; msg?: string };
    if (entry.requestId === requestId && entry.worker !== undefined) return entry.worker;
  }
  return undefined;
}

/** The workers that served these requests, once their access-log lines have arrived (pipes lag the answers). */
async function workersOf(gateway: Spawned, requestIds: string[]): Promise<Set<number | undefined>> {
  await eventually('the access-log lines', async () => requestIds.every((id) => workerOf(gateway, id) !== undefined));
  return new Set(requestIds.map((id) => workerOf(gateway, id)));
}

const ids = (name: string, count: number) => Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);

/** Worker number → pid, from the primary's "worker started" lines (the latest per worker). */
function workerPids(gateway: Spawned): Map<number, number> {
  const pids = new Map<number, number>();
  for (const line of gateway.stdout().split('\n')) {
    if (!line.includes('"worker started"')) continue;
    const entry = JSON.parse(line) as { worker: number; pid: number };
    pids.set(entry.worker, entry.pid);
  }
  return pids;
}

async function readiness(url: string): Promise<{ status: number; body: { status: string; worker?: number; workers?: { live: number; configured: number } } }> {
  const response = await fetch(url.replace(/\/graphql$/, '/ready'));
  return { status: response.status, body: (await response.json()) as never };
}

/** Sum of a counter's samples whose labels contain `labels`, in Prometheus text. */
function counterSum(text: string, name: string, labels: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('tollgate serve --workers', () => {
  let subgraph: FixtureSubgraph;
  let dir: string;
  let supergraph: string;
  let release: () => void = () => {};
  let slowGate = new Promise<void>((resolve) => (release = resolve));
  const started: Spawned[] = [];

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, {
      Query: {
        hello: () => 'world',
        slow: async () => {
          await slowGate;
          return 'done';
        },
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'tollgate-workers-'));
    supergraph = join(dir, 'supergraph.graphql');
    await writeFile(supergraph, composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]));
  });

  after(async () => {
    release();
    // Whatever is still running: the workers by pid (cluster ends them with the primary, but not if it hangs), then the primaries.
    for (const gateway of started) {
      for (const pid of workerPids(gateway).values()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await gateway.stop('SIGKILL');
    }
    await subgraph?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const yaml = (extra = '') =>
    `supergraph:\n  file: ${supergraph}\n  watch: false\nserver:\n  listen: "127.0.0.1:0"\n  shutdown_drain_ms: 1500\ntelemetry:\n  logging:\n    level: info\n${extra}`;

  async function serve(name: string, text: string, args: string[] = ['--workers', '2']): Promise<{ gateway: Spawned; url: string; file: string }> {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, text);
    const gateway = spawnProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', file, ...args]);
    started.push(gateway);
    const url = (await gateway.waitFor(/tollgate: serving (http:\/\/\S+) with 2 workers/, 90_000))[1]!;
    return { gateway, url, file };
  }

  test('a --workers value that is not 1..256 or auto is refused, naming the flag; server.workers too, naming the key', async () => {
    for (const bad of ['0', 'two', '1.5', '257']) {
      const run = await runProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--supergraph', supergraph, '--workers', bad]);
      assert.equal(run.code, 2, `--workers ${bad}`);
      assert.match(run.stderr, new RegExp(`--workers must be a whole number from 1 to 256, or auto, got "${bad.replace('.', '\\.')}"`));
    }
    const file = join(dir, 'bad-workers.yaml');
    await writeFile(file, yaml('').replace('server:\n', 'server:\n  workers: many\n'));
    const run = await runProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', file]);
    assert.equal(run.code, 1);
    const lines = run.stderr.split('\n').filter((line) => line.includes('server.workers'));
    assert.deepEqual(lines, ['  - server.workers: expected a whole number from 1 to 256, or "auto"'], 'said once, by the primary, before any fork');
  });

  test('a start-up failure of the workers (a supergraph that does not load) is said once, exit 1', async () => {
    const file = join(dir, 'no-supergraph.yaml');
    await writeFile(file, yaml('').replace(supergraph, join(dir, 'missing.graphql')));
    const run = await runProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', file, '--workers', '2'], 90_000);
    assert.equal(run.code, 1);
    const said = run.stderr.split('\n').filter((line) => line.includes('missing.graphql'));
    assert.equal(said.length, 1, `one line, not one per worker:\n${run.stderr}`);
    assert.match(said[0]!, /^tollgate serve: /);
  });

  test('two workers: both serve, /ready counts them, /metrics adds them up, quotas are exact, SIGHUP reaches both, SIGKILL of one is survived', async () => {
    // key [operation]: each operation name its own budget of 6 an hour (the test's other requests use other names).
    const quotas = 'quotas:\n  rules:\n    - key: [operation]\n      requests: { limit: 6, window_s: 3600 }\n';
    const { gateway, url, file } = await serve('two', yaml(quotas));

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
    await writeFile(file, yaml(`${quotas}limits:\n  max_aliases: 1\n`));
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
      const { gateway, url } = await serve('redis', yaml(quotas));
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

  test('under memory.max_mb: supervisor → primary → workers, each worker with the heap flags; SIGINT drains, a second SIGINT ends all at once', async () => {
    const { gateway } = await serve('budget', yaml('memory:\n  max_mb: 300\n').replace('shutdown_drain_ms: 1500', 'shutdown_drain_ms: 60000'));
    await gateway.waitFor(/"worker":2[^\n]*"msg":"memory budget"/);
    const budgets = gateway
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"msg":"memory budget"'))
      .map((line) => JSON.parse(line) as { worker?: number; budgetMb: number; maxOldSpaceMb?: number; heapLimitMb: number; pid: number; primaryPid?: number });
    assert.deepEqual(budgets.map((b) => b.worker).sort(), [1, 2]);
    const primaries = new Set(budgets.map((b) => b.primaryPid));
    assert.equal(primaries.size, 1);
    assert.notEqual([...primaries][0], gateway.child.pid, 'the process started is the supervisor, the primary its child');
    const { maxOldSpaceMb } = heapSettings(300);
    for (const budget of budgets) {
      assert.equal(budget.budgetMb, 300, 'memory.max_mb is each worker’s');
      assert.equal(budget.maxOldSpaceMb, maxOldSpaceMb);
      assert.ok(budget.heapLimitMb >= maxOldSpaceMb && budget.heapLimitMb < maxOldSpaceMb + 40, `worker ${budget.worker}: V8's heap limit ${budget.heapLimitMb} MB`);
    }

    gateway.child.kill('SIGINT');
    await gateway.waitFor(/tollgate: SIGINT: draining 2 workers/);
    const exited = gateway.stop('SIGINT');
    assert.equal(await exited, 1, 'the second SIGINT: exit 1 at once (the drain would last 60 s)');
    assert.match(gateway.stderr(), /SIGINT again, exiting now/);
    await eventually('every worker gone', async () =>
      budgets.every((b) => {
        try {
          process.kill(b.pid, 0);
          return false;
        } catch {
          return true;
        }
      }),
    );
  });

  test('SIGTERM drains every worker: /ready 503, a request in flight completes, exit 0', async () => {
    slowGate = new Promise<void>((resolve) => (release = resolve));
    const { gateway, url } = await serve('term', yaml());
    const calls = subgraph.received.length;
    const inFlight = postOnNewConnection(url, '{ slow }', 'in-flight');
    for (let i = 0; i < 200 && subgraph.received.length === calls; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(subgraph.received.length, calls + 1, 'the slow request reached the subgraph');

    const exited = gateway.stop('SIGTERM');
    await gateway.waitFor(/tollgate: SIGTERM: draining 2 workers, then stopping/);
    await eventually('/ready says draining', async () => (await readiness(url).catch(() => undefined))?.body.status === 'draining');

    release();
    const answered = await inFlight;
    assert.deepEqual(answered.body, { data: { slow: 'done' } });
    assert.equal(await exited, 0);
    for (const pid of workerPids(gateway).values()) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} exited`);
  });
});
