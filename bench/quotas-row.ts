// The `tollgate+quotas-memory` and `tollgate+quotas-redis` rows: Tollgate with demand control
// (measure mode: every request is costed, and its actual cost read from the response) and one
// per-client quota rule with a request rate and a cost budget, on the embedded memory store or on a
// redis-server of the row's own. The limits are far above what the load can reach: no request is
// ever refused, so the rows measure the cost of admission, not of 429s. Every setting but these
// stays at its default, as in the plain `tollgate` row.
//
// The Redis row reports the Redis commands it received (INFO commandstats, read when the row ends):
// every request is one EVALSHA, and no other command is sent (TIME/GET/SET run inside the script).
import { Redis } from 'ioredis';
import { freePort } from './lib/net.ts';
import { spawnChild, type Child } from './lib/processes.ts';
import { writeRowConfig } from './lib/row-config.ts';
import type { PrepareContext, Prepared } from './rows.ts';

const RULES = [
  'quotas:',
  '  rules:',
  '    - key: [client]',
  '      requests: { limit: 10000000, window_s: 60 }',
  '      cost: { limit: 1000000000, window_s: 60 }',
];

/** Demand control and the quota rule, on Redis at `redisUrl` or on the embedded memory store. */
export function quotaLines(redisUrl: string | undefined): string[] {
  return [
    'demand_control: { enabled: true, mode: measure }',
    ...(redisUrl ? [`redis: { url: "${redisUrl}", key_prefix: "bench:" }`] : []),
    ...RULES,
  ];
}

function writeConfig(ctx: PrepareContext, name: string, redisUrl: string | undefined): Promise<string> {
  return writeRowConfig(ctx, name, quotaLines(redisUrl));
}

/** Demand control alone (measure mode: estimate and actual cost per request), no quota rule. */
export async function prepareDemandControlRow(ctx: PrepareContext): Promise<Prepared> {
  return { args: ['--config', await writeRowConfig(ctx, 'demand-control', ['demand_control: { enabled: true, mode: measure }'])] };
}

/** The quota rule with a request rate only, on the embedded memory store, demand control off. */
export async function prepareRequestQuotaRow(ctx: PrepareContext): Promise<Prepared> {
  const lines = ['quotas:', '  rules:', '    - key: [client]', '      requests: { limit: 10000000, window_s: 60 }'];
  return { args: ['--config', await writeRowConfig(ctx, 'request-quota', lines)] };
}

export async function prepareQuotasMemoryRow(ctx: PrepareContext): Promise<Prepared> {
  return { args: ['--config', await writeConfig(ctx, 'quotas-memory', undefined)] };
}

/** A redis-server of the row's own on a free loopback port, up and answering. */
export async function startRowRedis(): Promise<{ url: string; server: Child }> {
  const port = await freePort();
  const server: Child = spawnChild('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const url = `redis://127.0.0.1:${port}`;
  await waitForRedis(url, server);
  return { url, server };
}

export async function prepareQuotasRedisRow(ctx: PrepareContext): Promise<Prepared> {
  const { url, server } = await startRowRedis();
  return {
    args: ['--config', await writeConfig(ctx, 'quotas-redis', url)],
    async cleanup() {
      try {
        const client = new Redis(url, { maxRetriesPerRequest: 1 });
        const stats = parseCommandStats(await client.info('commandstats'));
        client.disconnect();
        // Commands the Lua script runs itself are counted by Redis too; TIME runs once per script run.
        // Not per request: each connection's HELLO and ready check (INFO), and the PINGs of waitForRedis.
        const { evalsha = 0, eval: evals = 0, time = 0, get: _get, set: _set, del: _del, info: _info, ping: _ping, hello: _hello, ...others } = stats;
        process.stderr.write(
          `  tollgate+quotas-redis (${ctx.scenario}): Redis received ${evalsha} EVALSHA + ${evals} EVAL for ${time} script runs` +
            ` (one per request); other client commands: ${JSON.stringify(others)}\n`,
        );
      } finally {
        await server.stop();
      }
    },
  };
}

function parseCommandStats(info: string): Record<string, number> {
  return Object.fromEntries([...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map(([, name, calls]) => [name, Number(calls)]));
}

async function waitForRedis(url: string, server: Child): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (server.hasExited()) throw new Error(`redis-server exited: ${server.logTail()}`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // refused until it is up: connect() rejects, that is enough
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('redis-server did not answer within 10 s');
}
