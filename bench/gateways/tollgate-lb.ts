// Row `tollgate+lb-3`: three `tollgate serve` replicas behind HAProxy with the production stack's
// deploy/haproxy/haproxy.cfg, started as one process tree so that the harness measures (CPU,
// RSS) all of it: this supervisor, the replicas and HAProxy. Usage:
//   node --import tsx bench/gateways/tollgate-lb.ts <supergraph> <lb port> [serve args...]
// Stops on SIGTERM. With TOLLGATE_LB_CPU_REPORT=<file>, writes each process's CPU seconds there
// on the way out (its whole life, warm-up included), so the report can say HAProxy's share.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../deploy/stack/ports.ts';
import { spawnManaged, type ManagedProcess } from '../../deploy/stack/process.ts';
import { HAPROXY_CONFIG, REPLICAS, REPO_ROOT, startLoadBalancer, waitUntil } from '../../deploy/stack/stack.ts';
import { HAPROXY, requireTool } from '../../deploy/stack/tools.ts';

const [supergraph, lbPort, ...serveArgs] = process.argv.slice(2);
if (!supergraph || !lbPort) {
  console.error('usage: tollgate-lb.ts <supergraph> <lb port> [serve args...]');
  process.exit(2);
}
const haproxyBin = requireTool(HAPROXY, { install: false, log: console.error });
const logDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-lb-'));
const [statsPort, ...ports] = await freePorts(1 + REPLICAS);
const children: ManagedProcess[] = [];

const replicas = ports.map((port, i) => {
  const proc = spawnManaged({
    name: `gateway-${i + 1}`,
    command: process.execPath,
    args: [join(REPO_ROOT, 'bin/tollgate.mjs'), 'serve', '--supergraph', supergraph, '--port', String(port), ...serveArgs],
    cwd: REPO_ROOT,
    env: process.env,
    logFile: join(logDir, `gateway-${i + 1}.log`),
  });
  children.push(proc);
  return { proc, port: port! };
});
await Promise.all(
  replicas.map(({ proc, port }) =>
    waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.status === 200, proc, 60_000, `${proc.name} ready`),
  ),
);
const { haproxy } = await startLoadBalancer({
  spawn: (env) => {
    const proc = spawnManaged({ name: 'haproxy', command: haproxyBin, args: ['-db', '-f', HAPROXY_CONFIG], cwd: REPO_ROOT, env, logFile: join(logDir, 'haproxy.log') });
    children.push(proc);
    return proc;
  },
  lbPort: Number(lbPort),
  statsPort: statsPort!,
  replicaPorts: replicas.map((r) => r.port),
  timeoutMs: 30_000,
});
console.log(`tollgate-lb: ${REPLICAS} replicas UP behind haproxy on 127.0.0.1:${lbPort}`);

/** utime + stime of a pid from /proc, in seconds (0 once it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const report = process.env.TOLLGATE_LB_CPU_REPORT;
  if (report) writeFileSync(report, JSON.stringify(Object.fromEntries(children.map((c) => [c.name, cpuSeconds(c.pid)]))));
  // A benchmark needs no drain: the replicas are ended at once.
  await haproxy.stop(5_000);
  for (const { proc } of replicas) proc.signal('SIGKILL');
  await Promise.all(replicas.map(({ proc }) => proc.whenExited()));
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The harness gone (its stdin pipe closed, even after a SIGKILL): stop too; nothing outlives it.
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('exit', () => {
  for (const child of children) child.signal('SIGKILL');
});
