// Helpers of the `tollgate serve --workers` tests (test/e2e/workers*.test.ts): a fixture subgraph
// and supergraph, gateways started as real processes (stopped by pid, their workers too), and
// readers of what they say: which worker served a request, the workers' pids, /ready, /metrics.
import { request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from './fixture-subgraph.ts';
import { composeForTest } from './gateway.ts';
import { spawnProcess, type Spawned } from './processes.ts';

const SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"]) type Query { hello: String slow: String }';

export interface Answer {
  status: number;
  body: any;
}

/** One GraphQL POST on a connection of its own (the primary hands connections to workers in turn). */
export function postOnNewConnection(url: string, query: string, requestId: string): Promise<Answer> {
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
export function workerOf(gateway: Spawned, requestId: string): number | undefined {
  for (const line of gateway.stdout().split('\n')) {
    if (!line.includes(requestId)) continue;
    const entry = JSON.parse(line) as { requestId?: string; worker?: number; msg?: string };
    if (entry.requestId === requestId && entry.worker !== undefined) return entry.worker;
  }
  return undefined;
}

/** The workers that served these requests, once their access-log lines have arrived (pipes lag the answers). */
export async function workersOf(gateway: Spawned, requestIds: string[]): Promise<Set<number | undefined>> {
  await eventually('the access-log lines', async () => requestIds.every((id) => workerOf(gateway, id) !== undefined));
  return new Set(requestIds.map((id) => workerOf(gateway, id)));
}

export const ids = (name: string, count: number) => Array.from({ length: count }, (_, i) => `${name}-${i + 1}`);

/** Worker number → pid, from the primary's "worker started" lines (the latest per worker). */
export function workerPids(gateway: Spawned): Map<number, number> {
  const pids = new Map<number, number>();
  for (const line of gateway.stdout().split('\n')) {
    if (!line.includes('"worker started"')) continue;
    const entry = JSON.parse(line) as { worker: number; pid: number };
    pids.set(entry.worker, entry.pid);
  }
  return pids;
}

export async function readiness(url: string): Promise<{ status: number; body: { status: string; worker?: number; workers?: { live: number; configured: number } } }> {
  const response = await fetch(url.replace(/\/graphql$/, '/ready'));
  return { status: response.status, body: (await response.json()) as never };
}

/** Sum of a counter's samples whose labels contain `labels`, in Prometheus text. */
export function counterSum(text: string, name: string, labels: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}


/** A subgraph (`hello`, and `slow`, which answers once `release()` is called) and gateways on it. */
export class WorkersFixture {
  subgraph!: FixtureSubgraph;
  dir!: string;
  supergraph!: string;
  #release: () => void = () => {};
  #slowGate = Promise.resolve();
  readonly #started: Spawned[] = [];

  async start(): Promise<void> {
    this.subgraph = await startFixtureSubgraph(SDL, {
      Query: {
        hello: () => 'world',
        slow: async () => {
          await this.#slowGate;
          return 'done';
        },
      },
    });
    this.dir = await mkdtemp(join(tmpdir(), 'tollgate-workers-'));
    this.supergraph = join(this.dir, 'supergraph.graphql');
    await writeFile(this.supergraph, composeForTest([{ name: 'hello', routingUrl: this.subgraph.url, sdl: SDL }]));
  }

  /** From now on `slow` waits for release(). */
  holdSlow(): void {
    this.#slowGate = new Promise<void>((resolve) => (this.#release = resolve));
  }

  release(): void {
    this.#release();
  }

  yaml(extra = ''): string {
    return `supergraph:\n  file: ${this.supergraph}\n  watch: false\nserver:\n  listen: "127.0.0.1:0"\n  shutdown_drain_ms: 1500\ntelemetry:\n  logging:\n    level: info\n${extra}`;
  }

  async writeConfig(name: string, text: string): Promise<string> {
    const file = join(this.dir, `${name}.yaml`);
    await writeFile(file, text);
    return file;
  }

  /** `tollgate serve --config <name>.yaml --workers 2`, once the primary says both serve. */
  async serve(name: string, text: string): Promise<{ gateway: Spawned; url: string; file: string }> {
    const file = await this.writeConfig(name, text);
    const gateway = spawnProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', file, '--workers', '2']);
    this.#started.push(gateway);
    const url = (await gateway.waitFor(/tollgate: serving (http:\/\/\S+) with 2 workers/, 90_000))[1]!;
    return { gateway, url, file };
  }

  /** Whatever still runs: the workers by pid (cluster ends them with the primary, but not if it hangs), then the primaries. */
  async stop(): Promise<void> {
    this.#release();
    for (const gateway of this.#started) {
      for (const pid of workerPids(gateway).values()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await gateway.stop('SIGKILL');
    }
    await this.subgraph?.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
