// The production topology as processes on loopback: a redis-server of its own, the demo's
// backends and subgraphs (subgraphs/dev.ts, one process per part, as docker-compose.yml runs
// them), N gateway replicas (bin/tollgate.mjs serve --config deploy/gateway.yaml) and HAProxy
// (deploy/haproxy/haproxy.cfg) in front. Used by `npm run stack:prod` (cli.ts) and by
// test/e2e/scale-out.test.ts, which kills and restarts replicas through it.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from './ports.ts';
import { describeExit, spawnManaged, type ManagedProcess } from './process.ts';
import { HAPROXY, REDIS_SERVER, requireTool } from './tools.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const GATEWAY_CONFIG = join(REPO_ROOT, 'deploy/gateway.yaml');
export const HAPROXY_CONFIG = join(REPO_ROOT, 'deploy/haproxy/haproxy.cfg');
/** Gateway replicas: haproxy.cfg names three servers (GATEWAY_1_ADDR .. GATEWAY_3_ADDR). */
export const REPLICAS = 3;

export interface StackOptions {
  /** The load balancer's port; 0 (default) picks a free one. */
  lbPort?: number;
  /** Extra environment for every gateway replica (e.g. QUOTA_ANONYMOUS_REQUESTS_PER_MINUTE). */
  gatewayEnv?: Record<string, string>;
  /** Where each part writes its output (<name>.log); default a new temp directory. */
  logDir?: string;
  /** Install redis-server / haproxy from the distribution's packages when missing; default true. */
  install?: boolean;
  /** Progress lines (default none). */
  log?: (line: string) => void;
  /** Bound on each part's start; default 60 s. */
  startTimeoutMs?: number;
}

/** One row of the table `npm run stack:prod` prints. */
export interface StackEndpoint {
  part: string;
  pid: number;
  port: number;
  url: string;
}

export interface GatewayReplica {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** The running process (replaced by start()). */
  process(): ManagedProcess;
  /** Starts it again (after it exited) on the same port and waits until /ready answers 200. */
  start(): Promise<void>;
}

export interface ProdStack {
  /** http://127.0.0.1:<lb port>: the gateways' routes through HAProxy (/graphql, /ready, ...). */
  lbUrl: string;
  /** HAProxy's stats page (/stats, CSV at /stats;csv). */
  statsUrl: string;
  redisUrl: string;
  logDir: string;
  replicas: readonly GatewayReplica[];
  endpoints(): StackEndpoint[];
  /** Every managed process, for pid-based checks. */
  processes(): ManagedProcess[];
  /** HAProxy's view of each replica: UP, DOWN, MAINT, "UP 1/2" (going down), ... */
  lbServerStates(): Promise<Record<string, string>>;
  /** Stops everything it started, by pid, in reverse order; gateways drain (SIGTERM) first. */
  stop(): Promise<void>;
}

const BACKENDS = [
  { name: 'users-api', portEnv: 'USERS_API_PORT', scheme: 'http' },
  { name: 'products-api', portEnv: 'PRODUCTS_API_PORT', scheme: 'http' },
  { name: 'order-service', portEnv: 'ORDER_SERVICE_PORT', scheme: 'grpc' },
  { name: 'review-service', portEnv: 'REVIEW_SERVICE_PORT', scheme: 'grpc' },
] as const;
const SUBGRAPHS = [
  { name: 'accounts', portEnv: 'ACCOUNTS_PORT', urlEnv: 'ACCOUNTS_URL' },
  { name: 'catalog', portEnv: 'CATALOG_PORT', urlEnv: 'CATALOG_URL' },
  { name: 'orders', portEnv: 'ORDERS_PORT', urlEnv: 'ORDERS_URL' },
  { name: 'reviews', portEnv: 'REVIEWS_PORT', urlEnv: 'REVIEWS_URL' },
] as const;

export async function startProdStack(opts: StackOptions = {}): Promise<ProdStack> {
  const log = opts.log ?? (() => {});
  const install = opts.install ?? true;
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const replicaCount = REPLICAS;
  // Checked before anything starts, so a missing program costs no half-started stack.
  const redisBin = requireTool(REDIS_SERVER, { install, log });
  const haproxyBin = requireTool(HAPROXY, { install, log });
  const logDir = opts.logDir ?? mkdtempSync(join(tmpdir(), 'tollgate-stack-'));
  mkdirSync(logDir, { recursive: true });

  const [redisPort, jwksPort, statsPort, pickedLbPort, ...rest] = await freePorts(4 + BACKENDS.length + SUBGRAPHS.length + replicaCount);
  const lbPort = opts.lbPort || pickedLbPort!;
  const backendPorts = rest.slice(0, BACKENDS.length);
  const subgraphPorts = rest.slice(BACKENDS.length, BACKENDS.length + SUBGRAPHS.length);
  const gatewayPorts = rest.slice(BACKENDS.length + SUBGRAPHS.length);

  const started: ManagedProcess[] = [];
  const endpoints: Array<{ proc: () => ManagedProcess; part: string; port: number; url: string }> = [];
  const spawnPart = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const proc = spawnManaged({ name, command, args, cwd: REPO_ROOT, env: { ...process.env, ...env }, logFile: join(logDir, `${name}.log`) });
    started.push(proc);
    return proc;
  };
  const stopAll = async () => {
    // Reverse start order, each by its own pid: the load balancer, then the gateways together
    // (each drains, server.shutdown_drain_ms), the subgraphs, the backends, Redis last.
    const gateways = started.filter((p) => p.name.startsWith('gateway-'));
    const others = started.filter((p) => !gateways.includes(p)).reverse();
    for (const proc of others.filter((p) => p.name === 'haproxy')) await proc.stop(5_000);
    await Promise.all(gateways.map((p) => p.stop(40_000)));
    for (const proc of others.filter((p) => p.name !== 'haproxy')) await proc.stop(5_000);
  };
  // The supervisor going away must not leave its children running.
  const killLeftovers = () => {
    for (const proc of started) if (proc.exited() === null) proc.signal('SIGKILL');
  };
  process.once('exit', killLeftovers);

  try {
    log(`starting redis-server on 127.0.0.1:${redisPort}`);
    const redis = spawnPart('redis', redisBin, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']);
    await redis.waitForOutput(/Ready to accept connections/, startTimeoutMs);
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    endpoints.push({ proc: () => redis, part: 'redis', port: redisPort!, url: redisUrl });

    log('starting the backends and the subgraphs (subgraphs/dev.ts)');
    const backendEnv = Object.fromEntries(BACKENDS.map((b, i) => [b.portEnv, String(backendPorts[i])]));
    const backends = spawnPart('backends', process.execPath, ['--import', 'tsx', 'subgraphs/dev.ts'], { DEMO_PARTS: 'backends', DEMO_HOST: '127.0.0.1', NODE_ENV: 'production', ...backendEnv });
    await backends.waitForOutput(/demo parts ready/, startTimeoutMs);
    BACKENDS.forEach((b, i) => endpoints.push({ proc: () => backends, part: b.name, port: backendPorts[i]!, url: `${b.scheme}://127.0.0.1:${backendPorts[i]}` }));

    const subgraphEnv = Object.fromEntries(SUBGRAPHS.map((s, i) => [s.portEnv, String(subgraphPorts[i])]));
    const subgraphs = spawnPart('subgraphs', process.execPath, ['--import', 'tsx', 'subgraphs/dev.ts'], {
      DEMO_PARTS: 'subgraphs',
      DEMO_HOST: '127.0.0.1',
      NODE_ENV: 'production',
      DEMO_JWKS_PORT: String(jwksPort),
      USERS_API_URL: `http://127.0.0.1:${backendPorts[0]}`,
      PRODUCTS_API_URL: `http://127.0.0.1:${backendPorts[1]}`,
      ORDER_SERVICE_ADDRESS: `127.0.0.1:${backendPorts[2]}`,
      REVIEW_SERVICE_ADDRESS: `127.0.0.1:${backendPorts[3]}`,
      ...subgraphEnv,
    });
    await subgraphs.waitForOutput(/demo parts ready/, startTimeoutMs);
    SUBGRAPHS.forEach((s, i) => endpoints.push({ proc: () => subgraphs, part: s.name, port: subgraphPorts[i]!, url: subgraphUrl(subgraphPorts[i]!) }));
    endpoints.push({ proc: () => subgraphs, part: 'demo-jwks', port: jwksPort!, url: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json` });

    const gatewayEnv: NodeJS.ProcessEnv = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl,
      DEMO_JWKS_URL: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`,
      ...Object.fromEntries(SUBGRAPHS.map((s, i) => [s.urlEnv, subgraphUrl(subgraphPorts[i]!)])),
      ...opts.gatewayEnv,
    };
    const replicas = gatewayPorts.map((port, i) => {
      const name = `gateway-${i + 1}`;
      let proc: ManagedProcess;
      const replica: GatewayReplica = {
        name,
        port: port!,
        url: `http://127.0.0.1:${port}`,
        process: () => proc,
        async start() {
          // node itself, not npx: a SIGTERM to this pid reaches the gateway (README "Running the gateway").
          proc = spawnPart(name, process.execPath, ['bin/tollgate.mjs', 'serve', '--config', GATEWAY_CONFIG], { ...gatewayEnv, PORT: String(port) });
          await waitUntil(() => answers(`${replica.url}/ready`, 200), proc, startTimeoutMs, `${name}'s /ready to answer 200`);
        },
      };
      return replica;
    });
    log(`starting ${replicaCount} gateway replicas`);
    await Promise.all(replicas.map((r) => r.start()));
    for (const r of replicas) endpoints.push({ proc: () => r.process(), part: r.name, port: r.port, url: `${r.url}/graphql` });

    log(`starting haproxy on 127.0.0.1:${lbPort}`);
    const { haproxy, statsUrl, lbServerStates } = await startLoadBalancer({
      spawn: (env) => spawnPart('haproxy', haproxyBin, ['-db', '-f', HAPROXY_CONFIG], env),
      lbPort,
      statsPort: statsPort!,
      replicaPorts: replicas.map((r) => r.port),
      timeoutMs: startTimeoutMs,
    });
    const lbUrl = `http://127.0.0.1:${lbPort}`;
    endpoints.push({ proc: () => haproxy, part: 'haproxy', port: lbPort, url: `${lbUrl}/graphql` });
    endpoints.push({ proc: () => haproxy, part: 'haproxy stats', port: statsPort!, url: statsUrl });

    let stopped: Promise<void> | null = null;
    return {
      lbUrl,
      statsUrl,
      redisUrl,
      logDir,
      replicas,
      endpoints: () => endpoints.map((e) => ({ part: e.part, pid: e.proc().pid, port: e.port, url: e.url })),
      processes: () => [...started],
      lbServerStates,
      stop() {
        stopped ??= stopAll().finally(() => process.off('exit', killLeftovers));
        return stopped;
      },
    };
  } catch (err) {
    await stopAll();
    process.off('exit', killLeftovers);
    throw err;
  }
}

/**
 * HAProxy on deploy/haproxy/haproxy.cfg in front of replicas on loopback `replicaPorts`; resolves
 * once its stats show every replica UP. `spawn` starts it with the variables the file reads.
 */
export async function startLoadBalancer(opts: {
  spawn: (env: NodeJS.ProcessEnv) => ManagedProcess;
  lbPort: number;
  statsPort: number;
  replicaPorts: readonly number[];
  timeoutMs: number;
}): Promise<{ haproxy: ManagedProcess; statsUrl: string; lbServerStates: () => Promise<Record<string, string>> }> {
  const haproxy = opts.spawn({
    ...process.env,
    LB_BIND: `127.0.0.1:${opts.lbPort}`,
    LB_STATS_BIND: `127.0.0.1:${opts.statsPort}`,
    ...Object.fromEntries(opts.replicaPorts.map((port, i) => [`GATEWAY_${i + 1}_ADDR`, `127.0.0.1:${port}`])),
  });
  const statsUrl = `http://127.0.0.1:${opts.statsPort}/stats`;
  const lbServerStates = () => serverStates(statsUrl);
  const allUp = async () => Object.values(await lbServerStates().catch(() => ({}))).filter((s) => s === 'UP').length === opts.replicaPorts.length;
  await waitUntil(allUp, haproxy, opts.timeoutMs, `haproxy to see all ${opts.replicaPorts.length} gateways UP`);
  return { haproxy, statsUrl, lbServerStates };
}

function subgraphUrl(port: number): string {
  return `http://127.0.0.1:${port}/graphql`;
}

async function answers(url: string, status: number): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === status;
  } catch {
    return false;
  }
}

/** Polls `check` every 100 ms until it holds; fails early if `proc` exits, and after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, proc: ManagedProcess | null, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const exit = proc?.exited();
    if (proc && exit) throw new Error(`${proc.name} exited (${describeExit(exit)}) while waiting for ${what}; its last output:\n${proc.tail()}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${proc ? `; ${proc.name}'s last output:\n${proc.tail()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** HAProxy's CSV stats: each server of backend `gateways` and its status. */
export async function serverStates(statsUrl: string): Promise<Record<string, string>> {
  const res = await fetch(`${statsUrl};csv`, { signal: AbortSignal.timeout(2_000) });
  const [head = '', ...lines] = (await res.text()).trim().split('\n');
  const columns = head.replace(/^# /, '').split(',');
  const [px, sv, status] = ['pxname', 'svname', 'status'].map((c) => columns.indexOf(c));
  const states: Record<string, string> = {};
  for (const line of lines) {
    const cells = line.split(',');
    if (cells[px!] === 'gateways' && cells[sv!] !== 'FRONTEND' && cells[sv!] !== 'BACKEND') states[cells[sv!]!] = cells[status!]!;
  }
  return states;
}
