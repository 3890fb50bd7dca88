// Shared pieces of the quota tests that go through a real gateway: a small subgraph whose schema
// carries @cost / @listSize, API keys (one client each), and a Redis server of the test's own.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { apiKeyDigest } from '../../../gateway/src/auth/api-keys.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest } from '../../support/gateway.ts';
import { spawnProcess, type Spawned } from '../../support/processes.ts';

export const SHOP_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@cost", "@listSize"])
  type Query {
    hello: String
    "Returns at most 2 items, whatever \`first\` says: the actual cost is below the estimate."
    items(first: Int = 5): [Item!]! @listSize(slicingArguments: ["first"])
    "Two slicing arguments, exactly one required (the default requireOneSlicingArgument)."
    window(before: Int, after: Int): [Item!]! @listSize(slicingArguments: ["before", "after"])
  }
  type Item { id: ID! detail: Detail @cost(weight: 3) }
  type Detail { text: String }
`;

/** items(first: n) { id detail { text } } is estimated at 4n and costs 4 × min(n, 2). */
export const itemsQuery = (first: number) => `{ items(first: ${first}) { id detail { text } } }`;

export function startShopSubgraph(): Promise<FixtureSubgraph> {
  const items = [
    { id: 'i1', detail: { text: 'one' } },
    { id: 'i2', detail: { text: 'two' } },
  ];
  return startFixtureSubgraph(SHOP_SDL, {
    Query: {
      hello: () => 'world',
      items: (_root, args: any) => items.slice(0, Math.max(0, args.first)),
      window: () => items,
    },
  });
}

/** An API key per client id: `keys[client]` is the raw key, `config` goes in authentication.api_keys. */
export function apiKeysFor(clients: Array<{ clientId: string; profile?: string }>) {
  const keys: Record<string, string> = {};
  const entries = clients.map(({ clientId, profile }) => {
    keys[clientId] = `tg_test_${clientId}_0123456789abcdef`;
    return { client_id: clientId, sha256: apiKeyDigest(keys[clientId]!), ...(profile ? { profile } : {}) };
  });
  return { keys, config: { keys: entries } };
}

/** A port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A redis-server of the test's own (never the shared one), started as a child process on a free
 * port with no persistence: killing it loses every key, as a crashed Redis without AOF would.
 */
export class OwnRedis {
  private process: Spawned | undefined;

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {}

  /** `extraArgs` go to redis-server, e.g. ['--enable-debug-command', 'local'] for DEBUG SLEEP. */
  static async start(extraArgs: string[] = []): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort(), extraArgs);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again) on the same port. */
  async restart(): Promise<void> {
    this.process = spawnProcess('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extraArgs]);
    await this.process.waitFor(/Ready to accept connections/);
  }

  /** SIGKILL: the server is gone at once, mid-connection. */
  async kill(): Promise<void> {
    await this.process?.stop('SIGKILL');
    this.process = undefined;
  }

  /** A client for the test's own inspection (SCRIPT FLUSH, INFO, keys). */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1 });
  }
}

/** `tollgate serve` processes over the shop subgraph, sharing one Redis of the test's own. */
export interface GatewayProcesses {
  redis: OwnRedis;
  urls: string[];
  /** Everything the processes printed so far. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts a Redis of its own, the shop subgraph and `count` `tollgate serve` processes with the
 * same config: `config` gets the Redis URL and returns the config keys besides `server` and
 * `supergraph` (logging at warn unless it sets `telemetry`).
 */
export async function startGatewayProcesses(count: number, config: (redisUrl: string) => Record<string, unknown>): Promise<GatewayProcesses> {
  const redis = await OwnRedis.start();
  const subgraph = await startShopSubgraph();
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-instances-'));
  const gateways: Spawned[] = [];
  const stop = async () => {
    for (const gateway of gateways) await gateway.stop();
    await subgraph.stop();
    await redis.kill();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const supergraph = join(dir, 'supergraph.graphql');
    await writeFile(supergraph, composeForTest([{ name: 'shop', routingUrl: subgraph.url, sdl: SHOP_SDL }]));
    const file = join(dir, 'gateway.yaml');
    const keys = { telemetry: { logging: { level: 'warn' } }, ...config(redis.url) };
    await writeFile(file, JSON.stringify({ server: { listen: '127.0.0.1:0' }, supergraph: { file: supergraph }, ...keys }));
    for (let i = 0; i < count; i++) gateways.push(spawnProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', file]));
    const urls: string[] = [];
    for (const gateway of gateways) urls.push((await gateway.waitFor(/tollgate: serving (http:\/\/\S+)/, 60_000))[1]!);
    return { redis, urls, logs: () => gateways.map((g) => g.stdout() + g.stderr()).join('\n'), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
