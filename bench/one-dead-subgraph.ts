// Issue 11: the demo's home-screen query through Tollgate with all four subgraphs up, then with
// reviews dead (its URL pointed at a closed port: connection refused, as a killed process) and the
// circuit breaker on (the default), then dead with the breaker off (retries within the budget
// only). Not a row of rows.ts: the harness scores only fully correct responses, and with a dead
// subgraph every answer is a partial result by design. Same machine, same load tool settings as
// the harness (autocannon, 50 connections), one process each for the demo stack, the gateway and
// the load. Usage: node --import tsx bench/one-dead-subgraph.ts [seconds=10]
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort, post, waitReady } from './lib/net.ts';
import { forkChild, installCleanupHandlers, stopAll, type Child } from './lib/processes.ts';
import type { StackMessage } from './lib/child.ts';

installCleanupHandlers();
const seconds = Number(process.argv[2] ?? 10);
const root = fileURLToPath(new URL('..', import.meta.url));
const runDir = mkdtempSync(join(tmpdir(), 'tollgate-one-dead-'));
const query = readFileSync(join(root, 'subgraphs/home-screen.graphql'), 'utf8');
const body = JSON.stringify({ query, variables: { userId: 'u1' }, operationName: 'HomeScreen' });
const headers = { 'content-type': 'application/json' };

const stack = forkChild('demo-stack', join(root, 'bench/demo/stack.ts'), [join(runDir, 'supergraph.graphql')], { execArgv: ['--import', 'tsx'] });
const ready = await new Promise<StackMessage>((resolve) => stack.proc.on('message', (m) => resolve(m as StackMessage)));
if (ready.type !== 'ready') throw new Error(`demo stack: ${JSON.stringify(ready)}`);
const deadUrl = `http://127.0.0.1:${await freePort()}/graphql`;

const cases: Array<{ name: string; yaml: string[] }> = [
  { name: 'all four up', yaml: [] },
  { name: 'reviews dead, breaker on (default)', yaml: [`override_subgraph_url: { reviews: "${deadUrl}" }`] },
  {
    name: 'reviews dead, breaker off',
    yaml: [`override_subgraph_url: { reviews: "${deadUrl}" }`, 'traffic_shaping: { subgraphs: { reviews: { circuit_breaker: { enabled: false } } } }'],
  },
];

console.log(`home-screen, 50 connections, 3 s warm-up + ${seconds} s measured per case`);
for (const c of cases) {
  const config = join(runDir, 'gateway.yaml');
  writeFileSync(config, ['supergraph: { file: unused.graphql }', 'telemetry: { logging: { level: error } }', ...c.yaml, ''].join('\n'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const gateway: Child = forkChild('tollgate', join(root, 'gateway/src/cli.ts'), ['serve', '--config', config, '--supergraph', ready.supergraphPath, '--port', String(port)], {
    execArgv: ['--import', 'tsx'],
  });
  await waitReady(gateway, { graphqlUrl: url, body, headers });
  const sample = JSON.parse((await post(url, body, headers)).body) as { errors?: Array<{ extensions?: { code?: string } }> };
  await run(url, 3);
  const after = JSON.parse((await post(url, body, headers)).body) as typeof sample;
  const result = await run(url, seconds);
  const codes = (r: typeof sample) => [...new Set((r.errors ?? []).map((e) => e.extensions?.code))].join(',') || 'none';
  console.log(
    `${c.name.padEnd(36)} ${Math.round(result.requests.average).toString().padStart(6)} req/s  p50 ${result.latency.p50} ms  p99 ${result.latency.p99} ms  ` +
      `non-2xx ${result.non2xx}  errors: first ${codes(sample)}, after warm-up ${codes(after)}`,
  );
  await gateway.stop();
}
await stopAll();
rmSync(runDir, { recursive: true, force: true });

async function run(url: string, duration: number) {
  return await autocannon({ url, method: 'POST', headers, body, connections: 50, duration });
}
