// Issue 15 part 3: automatic persisted queries shared across instances through Redis
// (`persisted_documents.apq.store: redis`). Two real gateways on the real Redis (REDIS_URL) under a
// key prefix of this test's own; a closed port and silent TCP servers stand in for a Redis that is
// down or hangs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import { apqKey } from '../../../gateway/src/document/apq-redis-store.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startLoggedGateway, startTestGateway, type LoggedGateway } from '../../support/gateway.ts';
import { scrape, series } from '../../support/metrics.ts';
import { connectTestRedis, deletePrefix, keysUnder, REDIS_URL, uniquePrefix } from '../../support/redis.ts';
import { freePort } from '../quota/helpers.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello: String greet(name: String!): String }`;
const GREET = 'query Greet($name: String!) { greet(name: $name) }';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const persisted = (text: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(text) } });

/** POSTs any GraphQL body (APQ bodies have no `query`). */
function post(gateway: RunningGateway, body: Record<string, unknown>) {
  return postGraphQL(gateway.url, body as never);
}

/** The APQ protocol over GET: every field a query parameter (CSRF prevention wants a preflight header). */
async function get(gateway: RunningGateway, fields: Record<string, unknown>) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) params.set(name, typeof value === 'string' ? value : JSON.stringify(value));
  const response = await fetch(`${gateway.url}?${params}`, { headers: { 'apollo-require-preflight': 'true' }, signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as any;
  for (const error of body.errors ?? []) delete error.extensions?.requestId;
  return { status: response.status, headers: response.headers, body };
}

/** The subgraph every gateway here runs on, and its supergraph. */
async function startGreetings(): Promise<{ subgraph: FixtureSubgraph; supergraph: string }> {
  const subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world', greet: (_s, args: any) => `hi ${args.name}` } });
  return { subgraph, supergraph: composeForTest([{ name: 'greetings', routingUrl: subgraph.url, sdl: SDL }]) };
}

const NOT_FOUND = { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] };

/** The store's round trips as /metrics counts them. */
async function apqCommands(gateway: RunningGateway): Promise<string[]> {
  return series(await scrape(gateway), 'tollgate_apq_redis_commands_total');
}

function commands(counts: { hit?: number; miss?: number; getError?: number; set?: number; setError?: number }): string[] {
  const line = (command: string, result: string, n = 0) => `{"command":"${command}","result":"${result}"} ${n}`;
  return [line('get', 'error', counts.getError), line('get', 'hit', counts.hit), line('get', 'miss', counts.miss), line('set', 'error', counts.setError), line('set', 'ok', counts.set)];
}

describe('APQ shared through Redis', () => {
  const prefix = uniquePrefix('apq-shared');
  let redis: Redis;
  let subgraph: FixtureSubgraph;
  let supergraph: string;
  const gateways: RunningGateway[] = [];
  let a: RunningGateway;
  let b: RunningGateway;

  const start = (apq: Record<string, unknown> = {}) =>
    startTestGateway(supergraph, { redis: { url: REDIS_URL, key_prefix: prefix }, persisted_documents: { apq: { store: 'redis', ...apq } } }).then((gateway) => {
      gateways.push(gateway);
      return gateway;
    });

  /** Waits until a registration's SET (sent without holding up the request) has reached Redis. */
  async function stored(text: string): Promise<string | null> {
    for (let i = 0; i < 200; i++) {
      const value = await redis.get(apqKey(prefix, sha256(text)));
      if (value !== null) return value;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return null;
  }

  before(async () => {
    redis = connectTestRedis();
    ({ subgraph, supergraph } = await startGreetings());
    a = await start();
    b = await start();
  });

  after(async () => {
    for (const gateway of gateways) await gateway.stop();
    await subgraph.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  test('a query registered on instance A is found on instance B: the same answer, no query sent, nothing registered again', async () => {
    // (Not asked on B first: B would remember that miss for 2 s; the negative cache's own test is below.)
    assert.equal(await redis.exists(apqKey(prefix, sha256(GREET))), 0);
    assert.deepEqual((await post(a, { query: GREET, extensions: persisted(GREET), variables: { name: 'ann' } })).body, { data: { greet: 'hi ann' } });
    assert.equal(await stored(GREET), GREET);

    const onB = await post(b, { extensions: persisted(GREET), variables: { name: 'bo' } });
    assert.deepEqual([onB.status, onB.body], [200, { data: { greet: 'hi bo' } }]);
    // B read it once from Redis and keeps it: the second request costs no round trip, and B set nothing.
    assert.deepEqual((await post(b, { extensions: persisted(GREET), variables: { name: 'cy' } })).body, { data: { greet: 'hi cy' } });
    assert.deepEqual(await apqCommands(b), commands({ hit: 1 }));
    assert.deepEqual(await apqCommands(a), commands({ set: 1 }));
  });

  test('each registration sets a TTL of at most ttl_s; registering again on the same instance sends nothing', async () => {
    const short = await start({ ttl_s: 60 });
    const text = 'query Ttl { hello }';
    assert.deepEqual((await post(short, { query: text, extensions: persisted(text) })).body, { data: { hello: 'world' } });
    assert.equal(await stored(text), text);
    const ttl = await redis.ttl(apqKey(prefix, sha256(text)));
    assert.ok(ttl > 0 && ttl <= 60, `TTL ${ttl}`);
    await post(short, { query: text, extensions: persisted(text) });
    assert.deepEqual(await apqCommands(short), commands({ set: 1 }));
  });

  test('a query over max_document_bytes runs but is not stored; the hash alone stays a miss', async () => {
    const small = await start({ max_document_bytes: 100 });
    const big = `query Big { ${Array.from({ length: 12 }, (_, i) => `h${i}: hello`).join(' ')} }`;
    assert.ok(big.length > 100);
    const ran = await post(small, { query: big, extensions: persisted(big) });
    assert.equal(ran.status, 200);
    assert.equal(ran.body.data.h11, 'world');
    // One connection, commands in order: once a later registration is in Redis, an earlier SET would be too.
    const later = 'query Later { hello }';
    await post(small, { query: later, extensions: persisted(later) });
    assert.equal(await stored(later), later);
    assert.equal(await redis.exists(apqKey(prefix, sha256(big))), 0);
    assert.deepEqual((await post(small, { extensions: persisted(big) })).body, NOT_FOUND);
  });

  test('a hash that is not the query\'s is refused and nothing is stored', async () => {
    const text = 'query Wrong { hello }';
    const refused = await post(a, { query: text, extensions: persisted('query Other { hello }') });
    assert.equal(refused.status, 400);
    assert.deepEqual(refused.body.errors.map((e: any) => [e.message, e.extensions.code]), [['provided sha does not match query', 'BAD_REQUEST']]);
    const later = 'query AfterWrong { hello }';
    await post(a, { query: later, extensions: persisted(later) });
    assert.equal(await stored(later), later);
    assert.equal(await redis.exists(apqKey(prefix, sha256('query Other { hello }'))), 0);
    assert.equal(await redis.exists(apqKey(prefix, sha256(text))), 0);
  });

  test('a text in Redis that does not hash to its key is a miss (counted), and the client registers it again', async () => {
    const text = 'query Tampered { hello }';
    await redis.set(apqKey(prefix, sha256(text)), '{ greet(name: "mallory") }', 'EX', 60);
    const fresh = await start();
    assert.deepEqual((await post(fresh, { extensions: persisted(text) })).body, NOT_FOUND);
    assert.deepEqual(await apqCommands(fresh), commands({ getError: 1 }));
    assert.deepEqual((await post(fresh, { query: text, extensions: persisted(text) })).body, { data: { hello: 'world' } });
    for (let i = 0; i < 200 && (await redis.get(apqKey(prefix, sha256(text)))) !== text; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(await redis.get(apqKey(prefix, sha256(text))), text);
  });

  test('GET with the hash alone (cacheable by a CDN) hits on the other instance; registering over GET works too', async () => {
    const text = 'query GreetByGet($name: String!) { greet(name: $name) }';
    assert.equal(await redis.exists(apqKey(prefix, sha256(text))), 0);
    assert.deepEqual((await get(a, { query: text, extensions: persisted(text), variables: { name: 'di' } })).body, { data: { greet: 'hi di' } });
    assert.equal(await stored(text), text);
    const hit = await get(b, { extensions: persisted(text), variables: { name: 'ed' } });
    assert.deepEqual([hit.status, hit.body], [200, { data: { greet: 'hi ed' } }]);
    // Registered over POST, run over GET elsewhere.
    const other = 'query ByGetPost { hello }';
    assert.deepEqual((await post(a, { query: other, extensions: persisted(other) })).body, { data: { hello: 'world' } });
    assert.equal(await stored(other), other);
    assert.deepEqual((await get(b, { extensions: persisted(other) })).body, { data: { hello: 'world' } });
  });

  test('every key is under redis.key_prefix', async () => {
    const keys = await keysUnder(redis, prefix);
    assert.ok(keys.length > 0);
    for (const key of keys) assert.match(key, new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}apq:[0-9a-f]{64}$`));
  });
});

const READY_INFO = '# Server\r\nloading:0\r\n';

/** A TCP server on 127.0.0.1 that takes connections and, unless told to answer Redis's ready check, never says a word. */
async function silentServer(answerReadyCheck: boolean): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      if (!answerReadyCheck) return;
      // ioredis's handshake (HELLO, CLIENT SETINFO, the INFO of its ready check) is answered as an
      // old Redis would: the client is then "ready", and its GET and SET go unanswered.
      for (const [, name] of data.toString().matchAll(/\*\d+\r\n\$\d+\r\n(\w+)\r\n/g)) {
        const command = name!.toLowerCase();
        if (command === 'hello') socket.write("-ERR unknown command 'hello'\r\n");
        else if (command === 'client') socket.write('+OK\r\n');
        else if (command === 'info') socket.write(`$${READY_INFO.length}\r\n${READY_INFO}\r\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('APQ with a Redis that is down or hangs', () => {
  const prefix = uniquePrefix('apq-failing');
  let subgraph: FixtureSubgraph;
  let supergraph: string;
  const stops: Array<() => Promise<void>> = [];

  const startOn = async (url: string): Promise<LoggedGateway> => {
    const overrides: Omit<GatewayConfigInput, 'supergraph'> = {
      telemetry: { logging: { level: 'info', access_log: false } },
      // A short deadline and start-up wait: a dead Redis is what this test is about.
      redis: { url, key_prefix: prefix, timeout_ms: 200, ready_wait_ms: 300 },
      persisted_documents: { apq: { store: 'redis' } },
    };
    const logged = await startLoggedGateway(supergraph, overrides);
    stops.push(() => logged.stop());
    return logged;
  };

  before(async () => {
    ({ subgraph, supergraph } = await startGreetings());
  });

  after(async () => {
    for (const stop of stops) await stop();
    await subgraph.stop();
  });

  /** The APQ round: a miss, the full query runs (twice), the hash still a miss; the failures counted and logged once. */
  async function missesButRuns(logged: LoggedGateway): Promise<Record<string, any>> {
    const { gateway, logs } = logged;
    assert.deepEqual((await post(gateway, { extensions: persisted(GREET), variables: { name: 'ann' } })).body, NOT_FOUND);
    for (const name of ['ann', 'bo']) {
      assert.deepEqual((await post(gateway, { query: GREET, extensions: persisted(GREET), variables: { name } })).body, { data: { greet: `hi ${name}` } });
    }
    // This instance keeps what it registered: its own requests hit locally while Redis is away.
    assert.deepEqual((await post(gateway, { extensions: persisted(GREET), variables: { name: 'cy' } })).body, { data: { greet: 'hi cy' } });
    const other = 'query Other { hello }';
    assert.deepEqual((await post(gateway, { extensions: persisted(other) })).body, NOT_FOUND);
    assert.deepEqual((await post(gateway, { query: other, extensions: persisted(other) })).body, { data: { hello: 'world' } });
    // The registrations' SETs fail without holding the request: wait until both are counted.
    let samples: string[] = [];
    for (let i = 0; i < 300; i++) {
      samples = await apqCommands(gateway);
      if (samples.includes('{"command":"set","result":"error"} 2')) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(samples, commands({ getError: 2, setError: 2 }));
    const warnings = logs.filter((line) => line['component'] === 'apq-store' && line['level'] === 40);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0]!['msg'], /lookups count as misses/);
    return warnings[0]!;
  }

  test('Redis unreachable (a closed port): a hash is a miss, the full query runs, the failures are counted and logged once', async () => {
    const logged = await startOn(`redis://127.0.0.1:${await freePort()}`);
    await missesButRuns(logged);
  });

  test('a server that accepts and never answers: the same, never a hang', async () => {
    const silent = await silentServer(false);
    stops.push(() => silent.close());
    await missesButRuns(await startOn(silent.url));
  });

  test('a Redis that answers the handshake, then goes silent: each lookup ends at redis.timeout_ms as a miss', async () => {
    const silent = await silentServer(true);
    stops.push(() => silent.close());
    const warning = await missesButRuns(await startOn(silent.url));
    assert.deepEqual([warning['error'], warning['connection']], ['Command timed out', 'ready']);
  });
});
