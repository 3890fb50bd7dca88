// Redis deployments of a test's own, on loopback ports, as child processes killed by pid:
//  - a Redis Cluster of N masters (`redis-server --cluster-enabled yes` × N, then
//    `redis-cli --cluster create … --cluster-replicas 0`), with the slot migration of
//    CLUSTER SETSLOT … MIGRATING / IMPORTING, MIGRATE and SETSLOT … NODE;
//  - a Sentinel deployment: one master, optional replicas and one sentinel (`redis-server --sentinel`).
// Nothing is persisted (`--save "" --appendonly no`); every file lives in a temporary folder.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { runProcess, spawnProcess, type Spawned } from './processes.ts';

/** A port free right now on 127.0.0.1. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const NO_PERSISTENCE = ['--save', '', '--appendonly', 'no'];

interface ServerProcess {
  port: number;
  process: Spawned;
}

async function startServer(dir: string, args: string[], port?: number): Promise<ServerProcess> {
  const own = port ?? (await freeLoopbackPort());
  const process = spawnProcess('redis-server', ['--port', String(own), '--bind', '127.0.0.1', '--dir', dir, ...NO_PERSISTENCE, ...args]);
  try {
    await process.waitFor(/Ready to accept connections|Sentinel ID is/, 10_000);
  } catch (error) {
    await process.stop('SIGKILL');
    throw error;
  }
  return { port: own, process };
}

/** A plain connection to one server, for the test's own commands (one attempt, no reconnection). */
export function nodeClient(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined); // a killed node: the commands' own rejections say it
  return client;
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await check().catch(() => undefined);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export class OwnRedisCluster {
  private readonly inspectors = new Map<number, Redis>();

  private constructor(
    private readonly dir: string,
    private readonly servers: ServerProcess[],
  ) {}

  /** Starts `masters` cluster nodes and joins them into one cluster covering every slot. */
  static async start(masters = 3): Promise<OwnRedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-cluster-'));
    const servers: ServerProcess[] = [];
    const cluster = new OwnRedisCluster(dir, servers);
    try {
      for (let i = 0; i < masters; i++) {
        const port = await freeLoopbackPort();
        // The bus port is chosen too (cluster-port, Redis 7): port + 10000 may be taken or past 65535.
        const bus = await freeLoopbackPort();
        servers.push(
          await startServer(dir, ['--cluster-enabled', 'yes', '--cluster-port', String(bus), '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000'], port),
        );
      }
      const created = await runProcess(
        'redis-cli',
        ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'],
        30_000,
      );
      if (created.code !== 0) throw new Error(`redis-cli --cluster create failed (${created.code}):\n${created.stdout}\n${created.stderr}`);
      // Every node must know the whole map (gossip) before a client starts from any of them.
      for (const { port } of servers) {
        const client = nodeClient(port);
        try {
          await until(`cluster_state:ok on ${port}`, 15_000, async () => ((await client.cluster('INFO')).includes('cluster_state:ok') ? true : undefined));
          await until(`${masters} masters known to ${port}`, 15_000, async () => ((await client.cluster('SLOTS')).length >= masters ? true : undefined));
        } finally {
          client.disconnect();
        }
      }
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  get ports(): number[] {
    return this.servers.map((s) => s.port);
  }

  /** `redis://127.0.0.1:<port>` of every node (what `redis.cluster.nodes` takes). */
  get urls(): string[] {
    return this.ports.map((port) => `redis://127.0.0.1:${port}`);
  }

  /** The slot of a key, as the cluster computes it. */
  async slotOf(key: string): Promise<number> {
    const client = nodeClient(this.ports[0]!);
    try {
      return await client.cluster('KEYSLOT', key);
    } finally {
      client.disconnect();
    }
  }

  /** The port of the master serving `slot` (as the first node sees it). */
  async ownerOf(slot: number): Promise<number> {
    const client = nodeClient(this.ports[0]!);
    try {
      const range = (await client.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
      if (!range?.[2]) throw new Error(`no node serves slot ${slot}`);
      return range[2][1];
    } finally {
      client.disconnect();
    }
  }

  /** One inspection connection per node, kept until stop(): its own HELLO is not counted after a reset. */
  private inspector(port: number): Redis {
    let client = this.inspectors.get(port);
    if (!client) this.inspectors.set(port, (client = nodeClient(port)));
    return client;
  }

  /** Every node's `INFO commandstats`, summed: command → calls (and `<command>:rejected`). */
  async commandStats(): Promise<Record<string, number>> {
    const sum: Record<string, number> = {};
    for (const port of this.ports) {
      for (const [, name, calls, rejected] of (await this.inspector(port).info('commandstats')).matchAll(/^cmdstat_([\w|]+):calls=(\d+).*?rejected_calls=(\d+)/gm)) {
        sum[name!] = (sum[name!] ?? 0) + Number(calls);
        if (Number(rejected) > 0) sum[`${name}:rejected`] = (sum[`${name}:rejected`] ?? 0) + Number(rejected);
      }
    }
    return sum;
  }

  /** The EVALSHA calls each node ran, in `ports` order. */
  async scriptCallsPerNode(): Promise<number[]> {
    return Promise.all(this.ports.map(async (port) => Number(/cmdstat_evalsha:calls=(\d+)/.exec(await this.inspector(port).info('commandstats'))?.[1] ?? 0)));
  }

  /** CONFIG RESETSTAT on every node. */
  async resetStats(): Promise<void> {
    for (const port of this.ports) await this.inspector(port).config('RESETSTAT');
  }

  /**
   * Moves `slot` to the master on `toPort` in the steps of `redis-cli --cluster reshard`:
   * IMPORTING on the target, MIGRATING on the source, then `between` (clients now meet ASK for keys
   * already moved), MIGRATE of every key of the slot, `afterKeys` (every key on the target; the
   * source still owns the slot: ASK), and SETSLOT … NODE on every node (clients now meet MOVED).
   */
  async migrateSlot(slot: number, toPort: number, steps: { between?: () => Promise<void>; afterKeys?: () => Promise<void> } = {}): Promise<void> {
    const fromPort = await this.ownerOf(slot);
    if (fromPort === toPort) throw new Error(`slot ${slot} is on ${toPort} already`);
    const source = nodeClient(fromPort);
    const target = nodeClient(toPort);
    try {
      const sourceId = (await source.cluster('MYID')) as string;
      const targetId = (await target.cluster('MYID')) as string;
      await target.cluster('SETSLOT', slot, 'IMPORTING', sourceId);
      await source.cluster('SETSLOT', slot, 'MIGRATING', targetId);
      await steps.between?.();
      for (;;) {
        const keys = (await source.cluster('GETKEYSINSLOT', slot, 100)) as string[];
        if (keys.length === 0) break;
        await source.migrate('127.0.0.1', toPort, '', 0, 5000, 'KEYS', ...keys);
      }
      await steps.afterKeys?.();
      // The target first, then the source (as redis-cli does), then every other node.
      await target.cluster('SETSLOT', slot, 'NODE', targetId);
      await source.cluster('SETSLOT', slot, 'NODE', targetId);
      for (const port of this.ports.filter((p) => p !== fromPort && p !== toPort)) {
        const other = nodeClient(port);
        try {
          await other.cluster('SETSLOT', slot, 'NODE', targetId);
        } finally {
          other.disconnect();
        }
      }
    } finally {
      source.disconnect();
      target.disconnect();
    }
  }

  /** SIGKILL of the node on `port` (by pid): gone at once, mid-connection. */
  async kill(port: number): Promise<void> {
    const server = this.servers.find((s) => s.port === port);
    if (!server) throw new Error(`no node on ${port}`);
    this.inspectors.get(port)?.disconnect();
    this.inspectors.delete(port);
    await server.process.stop('SIGKILL');
  }

  /** SIGKILL every node (by pid) and removes the folder. */
  async stop(): Promise<void> {
    for (const client of this.inspectors.values()) client.disconnect();
    for (const { process } of this.servers) await process.stop('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** One master (and `replicas` replicas) watched by one sentinel under `name`. */
export class OwnRedisSentinel {
  private constructor(
    private readonly dir: string,
    readonly name: string,
    private readonly servers: ServerProcess[],
    private readonly sentinel: ServerProcess,
  ) {}

  static async start(options: { name?: string; replicas?: number } = {}): Promise<OwnRedisSentinel> {
    const name = options.name ?? 'tollgate-master';
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-sentinel-'));
    const servers: ServerProcess[] = [];
    let sentinel: ServerProcess | undefined;
    try {
      servers.push(await startServer(dir, []));
      const master = servers[0]!.port;
      for (let i = 0; i < (options.replicas ?? 0); i++) servers.push(await startServer(dir, ['--replicaof', '127.0.0.1', String(master)]));
      // A sentinel rewrites its config file, so it gets one of its own. Quorum 1: the one sentinel decides.
      const file = join(dir, 'sentinel.conf');
      await writeFile(
        file,
        [
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${master} 1`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          '',
        ].join('\n'),
      );
      const port = await freeLoopbackPort();
      const process = spawnProcess('redis-server', [file, '--sentinel', '--port', String(port)]);
      sentinel = { port, process };
      await process.waitFor(/\+monitor master/, 10_000);
      const deployment = new OwnRedisSentinel(dir, name, servers, sentinel);
      if (servers.length > 1) await deployment.waitForReplicas(servers.length - 1);
      return deployment;
    } catch (error) {
      for (const { process } of [...servers, ...(sentinel ? [sentinel] : [])]) await process.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get sentinelPort(): number {
    return this.sentinel.port;
  }

  /** Ports of the data servers, the first started as master. */
  get serverPorts(): number[] {
    return this.servers.map((s) => s.port);
  }

  /** The master's port as the sentinel reports it now. */
  async masterPort(): Promise<number> {
    const client = nodeClient(this.sentinel.port);
    try {
      const [, port] = (await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name)) as [string, string];
      return Number(port);
    } finally {
      client.disconnect();
    }
  }

  private async waitForReplicas(count: number): Promise<void> {
    const client = nodeClient(this.sentinel.port);
    try {
      await until(`${count} replicas known to the sentinel`, 15_000, async () => {
        const replicas = (await client.call('SENTINEL', 'REPLICAS', this.name)) as string[][];
        const online = replicas.filter((fields) => {
          const flags = fields[fields.indexOf('flags') + 1] ?? '';
          return flags === 'slave' && fields[fields.indexOf('master-link-status') + 1] === 'ok';
        });
        return online.length >= count ? true : undefined;
      });
    } finally {
      client.disconnect();
    }
  }

  /** SENTINEL FAILOVER, then waits until the sentinel names another master and it answers as one. */
  async failover(): Promise<number> {
    const before = await this.masterPort();
    const client = nodeClient(this.sentinel.port);
    try {
      await client.call('SENTINEL', 'FAILOVER', this.name);
    } finally {
      client.disconnect();
    }
    const after = await until('a new master', 20_000, async () => {
      const port = await this.masterPort();
      return port !== before ? port : undefined;
    });
    const promoted = nodeClient(after);
    try {
      await until(`${after} to answer as master`, 10_000, async () => ((await promoted.info('replication')).includes('role:master') ? true : undefined));
    } finally {
      promoted.disconnect();
    }
    return after;
  }

  async stop(): Promise<void> {
    await this.sentinel.process.stop('SIGKILL');
    for (const { process } of this.servers) await process.stop('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}
