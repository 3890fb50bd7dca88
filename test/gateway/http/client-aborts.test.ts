// Clients that go away while their query runs (issue 10): the gateway notices, cancels the subgraph
// fetch (the subgraph sees its connection closed), frees the pooled connection at once instead of
// after timeout_ms, does not count the abort against the subgraph (breaker, retries), logs
// "client aborted" at info and access-logs 499. Real gateway, real hanging subgraph, for both
// executors; and with deduplicate_query, a shared fetch is cancelled only when all its waiters left.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { defaultConfig } from '../../../gateway/src/config/load.ts';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import { startGateway, type RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL } from '../../support/gateway.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello: String }`;
const QUERY = JSON.stringify({ query: '{ hello }' });

interface LoggedGateway {
  gateway: RunningGateway;
  logs: Array<Record<string, any>>;
  stop(): Promise<void>;
}

/** A real gateway over `subgraph` whose pino lines are kept in `logs`. */
async function startLoggedGateway(subgraph: FixtureSubgraph, overrides: Omit<GatewayConfigInput, 'supergraph'>): Promise<LoggedGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-client-aborts-'));
  const file = join(dir, 'supergraph.graphql');
  await writeFile(file, composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]));
  const logs: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const config = defaultConfig({ ...overrides, server: { listen: '127.0.0.1:0' }, supergraph: { file } });
  const gateway = await startGateway(config, { logger: pino({ level: 'info' }, sink) });
  return {
    gateway,
    logs,
    async stop() {
      await gateway.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends `{ hello }` with this request id; the returned abort() cancels it as the client. */
function abortable(url: string, requestId: string): { abort(): void; done: Promise<unknown> } {
  const controller = new AbortController();
  const done = fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: QUERY,
    signal: controller.signal,
  }).then(
    (response) => response.text(),
    () => undefined,
  );
  return { abort: () => controller.abort(), done };
}

async function eventually(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) assert.fail(`never happened within ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}

const accessLine = (logs: Array<Record<string, any>>, requestId: string) => logs.find((line) => line.msg === 'request' && line.requestId === requestId);
const errorLines = (logs: Array<Record<string, any>>) => logs.filter((line) => line.level >= 50);

for (const executor of ['tollgate', 'apollo'] as const) {
  describe(`client aborts during execution (${executor} executor)`, () => {
    let subgraph: FixtureSubgraph;
    let running: LoggedGateway;
    const health = () => running.gateway.federation.subgraphHealth()['hello']!;

    before(async () => {
      subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' } });
      running = await startLoggedGateway(subgraph, {
        executor,
        traffic_shaping: {
          // A small pool, the default 30 s deadline, and a breaker that would open after 4 failures;
          // no sharing of identical fetches, so 130 identical queries are 130 fetches for the pool.
          all: { max_connections: 4, timeout_ms: 30_000, circuit_breaker: { minimum_requests: 4, failure_ratio: 0.5 }, deduplicate_query: false },
        },
      });
    });

    after(async () => {
      subgraph.behave({ kind: 'normal' });
      await running?.stop();
      await subgraph?.stop();
    });

    test('the subgraph fetch is cancelled (connection closed), "client aborted" at info, access log 499', async () => {
      subgraph.behave({ kind: 'hang' });
      const received = subgraph.received.length;
      const closed = subgraph.closedUnanswered;
      const started = performance.now();
      const client = abortable(running.gateway.url, `abort-1-${executor}`);
      await eventually(() => subgraph.received.length === received + 1, 'the query reached the subgraph');
      client.abort();
      await client.done;
      await eventually(() => subgraph.closedUnanswered === closed + 1, 'the subgraph saw its connection closed');
      await eventually(() => accessLine(running.logs, `abort-1-${executor}`) !== undefined, 'the access log line');
      assert.ok(performance.now() - started < 5_000, 'well before the 30 s timeout_ms');
      const mine = running.logs.filter((line) => line.requestId === `abort-1-${executor}`);
      assert.ok(mine.some((line) => line.msg === 'client aborted' && line.level === 30), JSON.stringify(mine));
      assert.equal(accessLine(running.logs, `abort-1-${executor}`)!.status, 499);
      assert.deepEqual(errorLines(running.logs), []);
      assert.ok(health().stats.clientAborts >= 1);
    });

    test('130 aborted requests over 4 pooled connections: the pool is free again, a normal request answers; breaker closed, no retries', async () => {
      subgraph.behave({ kind: 'hang' });
      const received = subgraph.received.length;
      const closed = subgraph.closedUnanswered;
      const retries = health().stats.retries;
      const clients = Array.from({ length: 130 }, (_, i) => abortable(running.gateway.url, `flood-${executor}-${i}`));
      // Every pooled connection holds a hanging fetch; the other 126 wait in the gateway's queue.
      await eventually(() => subgraph.received.length === received + 4, 'four fetches in flight');
      await sleep(300);
      assert.equal(subgraph.received.length, received + 4, 'never more than max_connections at once');
      for (const client of clients) client.abort();
      await Promise.all(clients.map((client) => client.done));
      await eventually(() => clients.every((_, i) => accessLine(running.logs, `flood-${executor}-${i}`) !== undefined), 'an access log line per aborted request');
      for (let i = 0; i < clients.length; i++) assert.equal(accessLine(running.logs, `flood-${executor}-${i}`)!.status, 499);
      await eventually(() => subgraph.closedUnanswered >= closed + 4, 'the four in-flight fetches cancelled');

      subgraph.behave({ kind: 'normal' });
      const started = performance.now();
      const result = await postGraphQL(running.gateway.url, { query: '{ hello }' });
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.deepEqual(result.body, { data: { hello: 'world' } });
      assert.ok(performance.now() - started < 5_000, 'answered at once, not after timeout_ms');
      // A queued fetch that was cancelled before it got a connection never reached the subgraph.
      assert.ok(subgraph.received.length < received + 130 + 1, `${subgraph.received.length - received} reached the subgraph`);

      const now = health();
      assert.equal(now.breaker, 'closed', 'client aborts are no subgraph failures');
      assert.equal(now.stats.retries, retries, 'nothing retried after an abort');
      assert.ok(now.stats.clientAborts >= 130, `clientAborts ${now.stats.clientAborts}`);
      assert.deepEqual(errorLines(running.logs), []);
    });
  });
}

describe('client aborts with deduplicate_query: a shared fetch is cancelled only when every waiter left', () => {
  let subgraph: FixtureSubgraph;
  let running: LoggedGateway;

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' } });
    running = await startLoggedGateway(subgraph, { traffic_shaping: { all: { deduplicate_query: true, max_connections: 4 } } });
  });

  after(async () => {
    subgraph.release();
    subgraph.behave({ kind: 'normal' });
    await running?.stop();
    await subgraph?.stop();
  });

  test('one of two waiters aborts: the other still gets the answer from the one upstream call', async () => {
    subgraph.behave({ kind: 'held' });
    const received = subgraph.received.length;
    const leaving = abortable(running.gateway.url, 'dedup-leaving');
    await eventually(() => subgraph.received.length === received + 1, 'the shared fetch reached the subgraph');
    const staying = postGraphQL(running.gateway.url, { query: '{ hello }' }, { 'x-request-id': 'dedup-staying' });
    await eventually(() => running.gateway.federation.subgraphHealth()['hello']!.stats.deduplicated >= 1, 'the second request joined');
    leaving.abort();
    await eventually(() => accessLine(running.logs, 'dedup-leaving') !== undefined, 'the leaving one access-logged');
    assert.equal(accessLine(running.logs, 'dedup-leaving')!.status, 499);
    assert.equal(subgraph.closedUnanswered, 0, 'the shared fetch goes on for the one still waiting');
    subgraph.release();
    const result = await staying;
    assert.deepEqual(result.body, { data: { hello: 'world' } });
    assert.equal(subgraph.received.length, received + 1);
  });

  test('every waiter aborts: the shared fetch is cancelled, and the next identical query sends its own', async () => {
    subgraph.behave({ kind: 'hang' });
    const received = subgraph.received.length;
    const closed = subgraph.closedUnanswered;
    const first = abortable(running.gateway.url, 'dedup-all-1');
    await eventually(() => subgraph.received.length === received + 1, 'the shared fetch reached the subgraph');
    const second = abortable(running.gateway.url, 'dedup-all-2');
    await sleep(100);
    first.abort();
    second.abort();
    await eventually(() => subgraph.closedUnanswered === closed + 1, 'the shared fetch cancelled');
    subgraph.behave({ kind: 'normal' });
    const result = await postGraphQL(running.gateway.url, { query: '{ hello }' });
    assert.deepEqual(result.body, { data: { hello: 'world' } });
    assert.equal(subgraph.received.length, received + 2);
    await eventually(() => accessLine(running.logs, 'dedup-all-2') !== undefined, 'access-logged');
    assert.equal(accessLine(running.logs, 'dedup-all-1')!.status, 499);
    assert.equal(accessLine(running.logs, 'dedup-all-2')!.status, 499);
    assert.deepEqual(errorLines(running.logs), []);
  });
});
