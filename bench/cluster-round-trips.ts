// Quota-store round trips per request on a Redis Cluster (issue 18: "must stay 1"), counted, not
// timed: `node --import tsx bench/cluster-round-trips.ts [requests] [clients]`.
//
// Starts a Redis Cluster of three masters on free loopback ports (`redis-server --cluster-enabled
// yes` × 3, `redis-cli --cluster create`), then one `tollgate serve` over the demo supergraph
// (composed from supergraph.yaml; `{ __typename }` needs no subgraph) with one quota rule keyed by
// client IP behind a trusted proxy, and sends `requests` requests (default 10,000, 50 at a time)
// from `clients` X-Forwarded-For addresses (default 60), so the quota keys spread over the three
// masters. Then it reads INFO commandstats on every node: EVALSHA calls ÷ requests is the quota
// store's round trips per request; rejected calls (MOVED/ASK), EVAL (NOSCRIPT fallbacks) and any
// other command would show up beside it. Every process it starts is stopped by pid at the end.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './lib/net.ts';
import { installCleanupHandlers, spawnChild, stopAll, type Child } from './lib/processes.ts';

const REQUESTS = Number(process.argv[2] ?? 10_000);
const CLIENTS = Number(process.argv[3] ?? 60);
const CONCURRENCY = 50;

installCleanupHandlers();

function waitForOutput(child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${child.name}: no ${pattern} within ${timeoutMs} ms:\n${child.logTail()}`)), timeoutMs);
    const check = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = seen.match(pattern);
      if (!match) return;
      clearTimeout(timer);
      child.proc.stdout?.off('data', check);
      child.proc.stderr?.off('data', check);
      resolve(match);
    };
    child.proc.stdout?.on('data', check);
    child.proc.stderr?.on('data', check);
  });
}

async function startCluster(dir: string): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const bus = await freePort();
    const node = spawnChild(`redis-${port}`, 'redis-server', [
      '--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
      '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
    ]);
    await waitForOutput(node, /Ready to accept connections/, 10_000);
    ports.push(port);
  }
  const create = spawnChild('redis-cli', 'redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
  if ((await create.exited) !== '0') throw new Error(`redis-cli --cluster create failed:\n${create.logTail()}`);
  for (const port of ports) {
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    try {
      for (let i = 0; !(await client.cluster('INFO')).includes('cluster_state:ok'); i++) {
        if (i > 200) throw new Error(`node ${port}: cluster_state not ok after 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      client.disconnect();
    }
  }
  return ports;
}

/** Per node: command → calls and rejected calls, and `reads` (the socket reads it made, INFO stats). */
async function commandStats(ports: number[]): Promise<Array<Record<string, { calls: number; rejected: number }>>> {
  return Promise.all(
    ports.map(async (port) => {
      const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      try {
        const info = await client.info('commandstats');
        const reads = Number(/total_reads_processed:(\d+)/.exec(await client.info('stats'))?.[1] ?? 0);
        return Object.fromEntries(
          [...info.matchAll(/^cmdstat_([\w|]+):calls=(\d+).*?rejected_calls=(\d+)/gm)]
            .map(([, name, calls, rejected]) => [name, { calls: Number(calls), rejected: Number(rejected) }])
            .concat([['reads', { calls: reads, rejected: 0 }]]),
        );
      } finally {
        client.disconnect();
      }
    }),
  );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-cluster-bench-'));
  try {
    const ports = await startCluster(dir);
    const config = join(dir, 'gateway.yaml');
    await writeFile(
      config,
      [
        'server: { listen: "127.0.0.1:0" }',
        `supergraph: { compose: ${JSON.stringify(join(process.cwd(), 'supergraph.yaml'))}, watch: false }`,
        `redis: { cluster: { nodes: ${JSON.stringify(ports.map((p) => `redis://127.0.0.1:${p}`))} }, key_prefix: "bench:" }`,
        'quotas:',
        '  trusted_proxies: [127.0.0.1]',
        '  rules:',
        '    - key: [ip]',
        '      requests: { limit: 10000000, window_s: 60 }',
        'telemetry: { logging: { level: warn, access_log: false } }',
        '',
      ].join('\n'),
    );
    const gateway = spawnChild('tollgate', process.execPath, ['bin/tollgate.mjs', 'serve', '--config', config]);
    const url = (await waitForOutput(gateway, /tollgate: serving (http:\/\/\S+)/, 60_000))[1]!;
    const request = (i: number) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.0.${Math.floor(i / 250) % 256}.${i % 250}` },
        body: '{"query":"{ __typename }"}',
        signal: AbortSignal.timeout(10_000),
      }).then(async (response) => {
        await response.arrayBuffer();
        return response.status;
      });
    // One request per client first, so each key exists; then the stats are reset and only the run counts.
    for (let i = 0; i < CLIENTS; i++) if ((await request(i)) !== 200) throw new Error('warm-up request refused');
    for (const port of ports) {
      const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
      await client.config('RESETSTAT');
      client.disconnect();
    }
    const statuses = new Map<number, number>();
    let next = 0;
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          const status = await request(next++ % CLIENTS);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (performance.now() - startedAt) / 1000;
    const perNode = await commandStats(ports);
    const sum = (name: string, field: 'calls' | 'rejected') => perNode.reduce((total, stats) => total + (stats[name]?.[field] ?? 0), 0);
    const evalsha = sum('evalsha', 'calls');
    const ignored = new Set(['reads', 'evalsha', 'time', 'get', 'set', 'hello', 'info', 'config|resetstat', 'cluster|slots', 'cluster|info']);
    const others = [...new Set(perNode.flatMap((stats) => Object.keys(stats)))].filter((name) => !ignored.has(name)).map((name) => `${name}=${sum(name, 'calls')}`);
    console.log(`Redis Cluster, 3 masters (${ports.join(', ')}); ${REQUESTS} requests from ${CLIENTS} client IPs, ${CONCURRENCY} at a time, in ${seconds.toFixed(1)} s`);
    console.log(`  responses: ${[...statuses].map(([status, count]) => `${count} × ${status}`).join(', ')}`);
    console.log(`  EVALSHA per node: ${perNode.map((stats) => stats.evalsha?.calls ?? 0).join(' + ')} = ${evalsha}`);
    console.log(`  round trips per request: ${(evalsha / REQUESTS).toFixed(4)} (EVALSHA ÷ requests)`);
    console.log(`  socket reads by the nodes: ${sum('reads', 'calls')} (a turn's EVALSHAs for one node go in one pipeline: ${(evalsha / sum('reads', 'calls')).toFixed(2)} per read)`);
    console.log(`  redirected (MOVED/ASK, not run): ${sum('evalsha', 'rejected')}; EVAL: ${sum('eval', 'calls')}; script runs (TIME): ${sum('time', 'calls')}`);
    console.log(`  other commands: ${others.length > 0 ? others.join(', ') : 'none'} (HELLO/INFO/CONFIG of these stats and ioredis' periodic CLUSTER SLOTS not counted)`);
  } finally {
    await stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
