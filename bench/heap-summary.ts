// `npm run bench:heap -- [--ref <commit>]…`: what a plain Tollgate gateway's memory is made of under
// load. Per tree (each --ref as a detached git worktree, then the current tree) one gateway
// (`bin/tollgate.mjs serve`, no config: no memory budget, so one process) against the standard
// scenario's subgraphs: the heavy query under autocannon load (50 connections) and, --load-seconds
// in, a heap snapshot (--heapsnapshot-signal) while the load still runs; then, on a fresh gateway,
// a soak of distinct operations (soak-worker.ts) and a second snapshot near its end. Next to each
// snapshot: VmRSS, VmHWM, RssAnon, RssFile from /proc and V8's heap gauges from the gateway's
// /metrics. The snapshots are then summarised (lib/heap-snapshot.ts) into Markdown tables, one
// column per tree and phase.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { baselineRefRow, resolveBaselineRef } from './baseline-ref.ts';
import { CATEGORIES, summariseHeapSnapshot, type HeapSummary, type Tally } from './lib/heap-snapshot.ts';
import { launchSpec } from './lib/launch.ts';
import { runLoad } from './lib/load.ts';
import { freePort, post, waitReady } from './lib/net.ts';
import { forkChild, installCleanupHandlers, spawnChild, stopAll, type Child } from './lib/processes.ts';
import { writeJson } from './lib/report.ts';
import { SOAK_CLIENTS } from './lib/soak.ts';
import { systemInfo } from './lib/system.ts';
import { makeBodyCheck } from './lib/verify.ts';
import type { RunningScenario } from './scenarios/types.ts';
import { standard } from './scenarios/standard.ts';
import type { SoakJob, SoakLoadResult, SoakWorkerMessage } from './soak-worker.ts';

const SOAK_SNAPSHOT_BEFORE_END = 10;
const USAGE = `usage: node --import tsx bench/heap-summary.ts [options]   (npm run bench:heap -- [options])
  --ref <commit>          also measure Tollgate at <commit> (detached worktree, current node_modules);
                          repeatable; measured before the current tree
  --load-seconds <s>      heavy query under load for this long before the first snapshot (default 20)
  --connections <n>       load connections (default 50)
  --soak-seconds <s>      then a soak of distinct operations, snapshot ${SOAK_SNAPSHOT_BEFORE_END} s before its end (default 180; 0 = none)
  --keep-snapshots <dir>  keep the .heapsnapshot files there (default: deleted once summarised)
  --report <json>         only print the tables of a saved bench/results/<timestamp>-heap.json`;

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => console.error(line);

interface Tree {
  label: string;
  commit: string;
  /** Where bin/tollgate.mjs is run from; for a ref, a worktree made by its prepare step. */
  prepare: () => Promise<{ root: string; cleanup: () => Promise<void> }>;
}

/** /proc/<pid>/status and the gateway's V8 gauges, read just before a snapshot. */
interface Figures {
  procMb: Record<'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile' | 'RssShmem', number | null>;
  /** Selected lines of /metrics (nodejs_heap*, nodejs_external*, tollgate_cache*, tollgate_memory*), name{labels} → value. */
  metrics: Record<string, number>;
  /** nodejs_heap_size_used_bytes just after the snapshot (whose full GC has just run). */
  heapUsedAfterSnapshotMb: number | null;
  /** Over the phase up to the snapshot, sampled every SAMPLE_MS: [min, max] in MB. */
  range: Record<'VmRSS' | 'heapTotal' | 'heapUsed' | 'oldSpaceTotal', [number, number] | null>;
}

const SAMPLE_MS = 1000;

/** Reads VmRSS and the heap gauges every SAMPLE_MS until stopped; min and max of each. */
function sampler(pid: number, base: string): { stop(): Figures['range'] } {
  const seen: Record<keyof Figures['range'], number[]> = { VmRSS: [], heapTotal: [], heapUsed: [], oldSpaceTotal: [] };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void metrics(base)
      .then((m) => {
        const rss = procMb(pid, 'VmRSS');
        const push = (k: keyof Figures['range'], v: number | null) => v !== null && seen[k].push(v);
        push('VmRSS', rss);
        push('heapTotal', mb(m['nodejs_heap_size_total_bytes']));
        push('heapUsed', mb(m['nodejs_heap_size_used_bytes']));
        push('oldSpaceTotal', mb(m['nodejs_heap_space_size_total_bytes{space="old"}']));
      }, () => {})
      .finally(() => (busy = false));
  }, SAMPLE_MS);
  const range = (v: number[]): [number, number] | null => (v.length === 0 ? null : [Math.min(...v), Math.max(...v)]);
  return {
    stop: () => {
      clearInterval(timer);
      return { VmRSS: range(seen.VmRSS), heapTotal: range(seen.heapTotal), heapUsed: range(seen.heapUsed), oldSpaceTotal: range(seen.oldSpaceTotal) };
    },
  };
}

interface Measurement {
  tree: string;
  commit: string;
  phase: 'load' | 'soak';
  /** What ran before the snapshot (for the table header). */
  what: string;
  figures: Figures;
  snapshotSeconds: number;
  snapshotFileMb: number;
  file: string;
  load: { requests: number; errors: number };
  summary?: HeapSummary;
}

const { values } = parseArgs({
  options: {
    ref: { type: 'string', multiple: true },
    'load-seconds': { type: 'string' },
    connections: { type: 'string' },
    'soak-seconds': { type: 'string' },
    'keep-snapshots': { type: 'string' },
    report: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (values.report) {
  console.log(report((JSON.parse(readFileSync(values.report, 'utf8')) as { measurements: Measurement[] }).measurements));
  process.exit(0);
}
const loadSeconds = whole('load-seconds', values['load-seconds'], 20, 1);
const connections = whole('connections', values.connections, 50, 1);
const soakSeconds = whole('soak-seconds', values['soak-seconds'], 180, 0);
if (soakSeconds > 0 && soakSeconds <= SOAK_SNAPSHOT_BEFORE_END * 2) fail(`--soak-seconds: at least ${SOAK_SNAPSHOT_BEFORE_END * 2 + 1}, or 0`);

installCleanupHandlers();
const trees: Tree[] = [];
for (const ref of values.ref ?? []) {
  const resolved = resolveRef(ref);
  if (resolved.warning) log(resolved.warning);
  const row = baselineRefRow(repoRoot, resolved);
  trees.push({
    label: ref.length >= 7 && resolved.commit.startsWith(ref) ? resolved.commit.slice(0, 7) : `${ref} (${resolved.commit.slice(0, 7)})`,
    commit: resolved.commit,
    prepare: async () => {
      const p = await row.prepare!({ runDir, supergraphPath: '', scenario: standard.name });
      if (!p.root) throw new Error('no worktree');
      return { root: p.root, cleanup: p.cleanup ?? (async () => {}) };
    },
  });
}
const head = git('rev-parse', 'HEAD');
const dirty = git('status', '--porcelain', '--', 'gateway', 'bin') !== '';
trees.push({ label: `HEAD ${head.slice(0, 7)}${dirty ? '+changes' : ''}`, commit: head, prepare: async () => ({ root: repoRoot, cleanup: async () => {} }) });

const runDir = mkdtempSync(join(tmpdir(), 'tollgate-heap-'));
process.on('exit', () => rmSync(runDir, { recursive: true, force: true }));
const keepDir = values['keep-snapshots'];
if (keepDir) mkdirSync(keepDir, { recursive: true });

const sys = systemInfo();
const startedAt = new Date();
log(`▶ heap summary: ${trees.map((t) => t.label).join(', ')}; ${sys.nproc} cores, ${sys.cpuModel}, node ${sys.node}`);
const measurements: Measurement[] = [];
try {
  const running = await standard.start({ repoRoot, runDir }, () => true);
  if ('skipped' in running) throw new Error(`standard scenario skipped: ${running.skipped}`);
  try {
    for (const tree of trees) measurements.push(...(await measureTree(tree, running)));
  } finally {
    await running.stop();
  }
} finally {
  await stopAll();
}

// Parsing a snapshot takes a core and ~1 GB for a few seconds: only once everything has stopped.
for (const m of measurements) {
  const t0 = performance.now();
  m.summary = summariseHeapSnapshot(m.file);
  log(`  summarised ${m.tree} · ${m.phase} (${m.snapshotFileMb} MB file) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (keepDir) {
    const kept = join(keepDir, `${m.commit.slice(0, 7)}-${m.phase}.heapsnapshot`);
    renameSync(m.file, kept);
    m.file = kept;
  }
}
const jsonFile = join(repoRoot, 'bench/results', `${startedAt.toISOString().replace(/[:.]/g, '-')}-heap.json`);
writeJson(jsonFile, { startedAt, system: sys, options: { loadSeconds, connections, soakSeconds }, measurements });
console.log(report(measurements));
console.log(`\nresults: ${jsonFile}`);

// Each phase gets a fresh gateway process: writing a snapshot costs the process a few hundred MB
// outside V8's heap (malloc) that stays resident, so a second phase in the same process would
// start with an inflated RSS.
async function measureTree(tree: Tree, running: RunningScenario): Promise<Measurement[]> {
  const heavy = running.workloads.find((w) => w.name === 'heavy');
  if (!heavy) throw new Error('no heavy workload');
  const { root, cleanup } = await tree.prepare();
  const snapDir = join(runDir, `snapshots-${tree.commit.slice(0, 7)}`);
  mkdirSync(snapDir, { recursive: true });
  const results: Measurement[] = [];
  try {
    // 1. The heavy query under load; the snapshot `loadSeconds` in, the load running on past it.
    results.push(
      await withGateway(tree, root, running, snapDir, async (gw) => {
        let snapshotDone: Promise<Omit<Measurement, 'load'>> | undefined;
        const load = await runLoad(
          { url: gw.url, body: heavy.body, headers: {}, connections, warmupSeconds: 0, durationSeconds: loadSeconds + 10, expectedData: heavy.expectedData },
          repoRoot,
          async () => {
            const samples = sampler(gw.child.pid, gw.base);
            snapshotDone = delay(loadSeconds * 1000).then(() => gw.snap('load', `heavy query, ${connections} connections, ${loadSeconds} s`, samples));
            snapshotDone.catch(() => {}); // awaited below
          },
        );
        if (!snapshotDone) throw new Error('load never started');
        return { ...(await snapshotDone), load: { requests: load.requests, errors: load.errors + load.mismatches } };
      }),
    );
    // 2. A soak of distinct operation texts (3 in 4 new), the snapshot shortly before its end.
    if (soakSeconds > 0) {
      results.push(
        await withGateway(tree, root, running, snapDir, async (gw) => {
          const queries = running.workloads.map((w) => ({ name: w.name, query: (JSON.parse(w.body) as { query: string }).query, expectedData: w.expectedData }));
          const job: SoakJob = { url: gw.url, headers: {}, clients: SOAK_CLIENTS, seconds: soakSeconds, queries };
          const samples = sampler(gw.child.pid, gw.base);
          const what = `${soakSeconds - SOAK_SNAPSHOT_BEFORE_END} s soak of distinct operations (${SOAK_CLIENTS} clients, ${queries.map((q) => q.name).join(' + ')})`;
          const soakSnapshot = delay((soakSeconds - SOAK_SNAPSHOT_BEFORE_END) * 1000).then(() => gw.snap('soak', what, samples));
          soakSnapshot.catch(() => {});
          const soaked = await soak(job);
          return { ...(await soakSnapshot), load: { requests: soaked.requests, errors: soaked.errors } };
        }),
      );
    }
    return results;
  } finally {
    await cleanup();
  }
}

interface TreeGateway {
  child: Child;
  url: string;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Reads the figures, takes a snapshot, reads the heap gauges again. */
  snap(phase: Measurement['phase'], what: string, samples: ReturnType<typeof sampler>): Promise<Omit<Measurement, 'load'>>;
}

/** Starts the tree's own bin/tollgate.mjs (no config: no budget, one process), checks its answer, runs `use`, stops it. */
async function withGateway<T>(tree: Tree, root: string, running: RunningScenario, snapDir: string, use: (gw: TreeGateway) => Promise<T>): Promise<T> {
  const heavy = running.workloads.find((w) => w.name === 'heavy');
  if (!heavy) throw new Error('no heavy workload');
  const spec = launchSpec('tollgate', {
    repoRoot: root, runDir, supergraphPath: running.supergraphPath, port: await freePort(),
    args: [], env: {}, tollgateRoot: null, cwd: null, cpuProfDir: null,
  });
  // The snapshot flags before the script: Node's own.
  const args = ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapDir}`, ...spec.args];
  const child = spawnChild(`tollgate ${tree.label}`, spec.command, args, { cwd: spec.cwd, env: spec.env });
  try {
    await waitReady(child, { ...(spec.healthUrl ? { healthUrl: spec.healthUrl } : {}), graphqlUrl: spec.graphqlUrl, body: heavy.body });
    const base = spec.graphqlUrl.replace(/\/graphql$/, '');
    log(`  ${tree.label}: ready (pid ${child.pid}, ${root})`);
    const probe = await post(spec.graphqlUrl, heavy.body);
    if (probe.status !== 200 || !makeBodyCheck(heavy.expectedData)(probe.body)) throw new Error(`${tree.label}: wrong answer to heavy: ${probe.body.slice(0, 300)}`);
    const snap: TreeGateway['snap'] = async (phase, what, samples) => {
      const figures = { ...(await readFigures(child.pid, base)), range: samples.stop() };
      const t0 = performance.now();
      const file = await heapSnapshot(child, snapDir, base);
      figures.heapUsedAfterSnapshotMb = mb((await metrics(base))['nodejs_heap_size_used_bytes']);
      const seconds = Math.round((performance.now() - t0) / 100) / 10;
      log(`  ${tree.label} · ${phase}: RSS ${figures.procMb.VmRSS} MB, heap total ${mb(figures.metrics['nodejs_heap_size_total_bytes'])} MB, snapshot in ${seconds} s`);
      return { tree: tree.label, commit: tree.commit, phase, what, figures, snapshotSeconds: seconds, snapshotFileMb: Math.round(statSync(file).size / 2 ** 20), file };
    };
    return await use({ child, url: spec.graphqlUrl, base, snap });
  } finally {
    await child.stop();
  }
}

/** Runs soak-worker.ts for one job; resolves with its result. */
async function soak(job: SoakJob): Promise<SoakLoadResult> {
  const child = forkChild('soak-worker', fileURLToPath(new URL('./soak-worker.ts', import.meta.url)), [], { cwd: repoRoot, execArgv: ['--import', 'tsx'] });
  try {
    return await new Promise<SoakLoadResult>((resolve, reject) => {
      const limit = setTimeout(() => reject(new Error('soak worker ran over')), (job.seconds + 90) * 1000);
      child.proc.on('message', (m: SoakWorkerMessage) => {
        if (m.type === 'progress') return;
        clearTimeout(limit);
        if (m.type === 'done') resolve(m.result);
        else reject(new Error(`soak worker: ${m.error}`));
      });
      void child.exited.then((code) => setTimeout(() => reject(new Error(`soak worker exited (${code}): ${child.logTail().trim()}`)), 1000));
      child.proc.send(job);
    });
  } finally {
    await child.stop(2000);
  }
}

/**
 * SIGUSR2 → Node writes Heap.<date>.<pid>….heapsnapshot into --diagnostic-dir, synchronously on the
 * gateway's main thread: once the file is there and the gateway answers again, it is complete.
 */
async function heapSnapshot(gateway: Child, dir: string, base: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(gateway.pid, 'SIGUSR2');
  const deadline = Date.now() + 180_000;
  let file: string | undefined;
  while (!(file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot')))) {
    if (Date.now() > deadline || gateway.hasExited()) throw new Error(`no heap snapshot in ${dir}`);
    await delay(100);
  }
  const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(Math.max(1000, deadline - Date.now())) });
  await res.arrayBuffer();
  return join(dir, file);
}

async function readFigures(pid: number, base: string): Promise<Omit<Figures, 'range'>> {
  const kb = (field: string) => procMb(pid, field);
  return {
    procMb: { VmRSS: kb('VmRSS'), VmHWM: kb('VmHWM'), RssAnon: kb('RssAnon'), RssFile: kb('RssFile'), RssShmem: kb('RssShmem') },
    metrics: await metrics(base),
    heapUsedAfterSnapshotMb: null,
  };
}

/** A `<field>: <n> kB` line of /proc/<pid>/status in MB, or null. */
function procMb(pid: number, field: string): number | null {
  try {
    const v = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return v === undefined ? null : Math.round(Number(v) / 1024);
  } catch {
    return null;
  }
}

/** The gateway's memory gauges from /metrics (prom-client's nodejs_* and Tollgate's own). */
async function metrics(base: string): Promise<Record<string, number>> {
  const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    // Tollgate registers prom-client's process metrics with its prefix: tollgate_nodejs_….
    const match = /^(?:tollgate_)?((?:nodejs_heap|nodejs_external|cache_|memory_)\S*)\s+(\S+)$/.exec(line);
    if (match) out[(match[1] as string).replace(/^(cache|memory)_/, 'tollgate_$1_')] = Number(match[2]);
  }
  return out;
}

// ── Report ────────────────────────────────────────────────────────────────────────────────────

function report(measured: Measurement[]): string {
  // Phase by phase, the trees side by side (stable sort: trees stay in the order measured).
  const phases: Measurement['phase'][] = ['load', 'soak'];
  const ms = [...measured].sort((a, b) => phases.indexOf(a.phase) - phases.indexOf(b.phase));
  const cols = ms.map((m) => `${m.tree} · ${m.phase}`);
  const out: string[] = [];
  const tableOf = (title: string, rows: [string, ...string[]][]) => {
    out.push(`| ${title} | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`);
    for (const row of rows) out.push(`| ${row.join(' | ')} |`);
    out.push('');
  };
  const fmt = (x: number | null | undefined, digits = 0) => (x == null || Number.isNaN(x) ? '—' : x.toFixed(digits));
  const metric = (m: Measurement, key: string) => mb(m.figures.metrics[key]);
  const space = (m: Measurement, kind: 'total' | 'used', s: string) => metric(m, `nodejs_heap_space_size_${kind}_bytes{space="${s}"}`);

  out.push(...ms.map((m, i) => `- ${cols[i]}: ${m.what}; snapshot written in ${m.snapshotSeconds} s (${m.snapshotFileMb} MB file); ${m.load.requests} answers, ${m.load.errors} errors`), '');
  const span = (r: [number, number] | null) => (r === null ? '—' : `${r[0]}–${r[1]}`);
  tableOf('process (MB): over the phase, then just before the snapshot', [
    [`VmRSS, min–max over the phase (every ${SAMPLE_MS / 1000} s)`, ...ms.map((m) => span(m.figures.range.VmRSS))],
    ['V8 heap total, min–max over the phase', ...ms.map((m) => span(m.figures.range.heapTotal))],
    ['V8 heap used, min–max over the phase', ...ms.map((m) => span(m.figures.range.heapUsed))],
    ['V8 old space total, min–max over the phase', ...ms.map((m) => span(m.figures.range.oldSpaceTotal))],
    ['VmRSS', ...ms.map((m) => fmt(m.figures.procMb.VmRSS))],
    ['VmHWM (peak RSS so far)', ...ms.map((m) => fmt(m.figures.procMb.VmHWM))],
    ['RssAnon (heap, malloc, stacks)', ...ms.map((m) => fmt(m.figures.procMb.RssAnon))],
    ['RssFile (node binary, mapped files)', ...ms.map((m) => fmt(m.figures.procMb.RssFile))],
    ['V8 heap total (committed)', ...ms.map((m) => fmt(metric(m, 'nodejs_heap_size_total_bytes')))],
    ['V8 heap used (live + garbage)', ...ms.map((m) => fmt(metric(m, 'nodejs_heap_size_used_bytes')))],
    ['· old space total / used', ...ms.map((m) => `${fmt(space(m, 'total', 'old'))} / ${fmt(space(m, 'used', 'old'))}`)],
    ['· new space total / used', ...ms.map((m) => `${fmt(space(m, 'total', 'new'))} / ${fmt(space(m, 'used', 'new'))}`)],
    ['· code space total / used', ...ms.map((m) => `${fmt(space(m, 'total', 'code'))} / ${fmt(space(m, 'used', 'code'))}`)],
    ['· large object space total / used', ...ms.map((m) => `${fmt(space(m, 'total', 'large_object'))} / ${fmt(space(m, 'used', 'large_object'))}`)],
    ['external (Buffers, ArrayBuffers outside the heap)', ...ms.map((m) => fmt(metric(m, 'nodejs_external_memory_bytes')))],
    ['RssAnon − V8 heap total (malloc, external, stacks, V8 outside its heap)', ...ms.map((m) => {
      const total = metric(m, 'nodejs_heap_size_total_bytes');
      return m.figures.procMb.RssAnon === null || total === null ? '—' : fmt(m.figures.procMb.RssAnon - total);
    })],
    ['V8 heap limit (tollgate_memory_heap_limit_bytes)', ...ms.map((m) => fmt(metric(m, 'tollgate_memory_heap_limit_bytes')))],
    ['V8 heap used right after the snapshot (its full GC)', ...ms.map((m) => fmt(m.figures.heapUsedAfterSnapshotMb))],
    ['snapshot: live heap (sum of self sizes)', ...ms.map((m) => fmt(mbOf(m.summary?.totalBytes), 1))],
    ['snapshot: nodes', ...ms.map((m) => (m.summary ? m.summary.nodes.toLocaleString('en-US') : '—'))],
  ]);

  const summaries = ms.map((m) => m.summary);
  const cell = (t: Tally | undefined, total: number | undefined) =>
    t === undefined || !total ? '—' : `${(t.bytes / 2 ** 20).toFixed(1)} (${Math.round((100 * t.bytes) / total)}%)`;
  const keysBy = (pick: (s: HeapSummary) => Record<string, Tally>, limit: number) => {
    const max = new Map<string, number>();
    for (const s of summaries) for (const [k, t] of Object.entries(s ? pick(s) : {})) max.set(k, Math.max(max.get(k) ?? 0, t.bytes));
    // Rows under 0.05 MB in every column would print as 0.0 throughout.
    return [...max].filter(([, bytes]) => bytes >= 0.05 * 2 ** 20).sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k]) => k);
  };
  const rowsOf = (pick: (s: HeapSummary) => Record<string, Tally>, keys: string[]): [string, ...string[]][] =>
    keys.map((k) => [k, ...summaries.map((s) => cell(s && pick(s)[k], s?.totalBytes))]);

  tableOf('snapshot: self size by category, MB (% of live)', rowsOf((s) => s.categories, [...CATEGORIES]));
  tableOf('snapshot: self size by node type, MB (%)', rowsOf((s) => s.byType, keysBy((s) => s.byType, 20)));
  tableOf('snapshot: by constructor (top 15), MB (%)', rowsOf((s) => s.byClass, keysBy((s) => s.byClass, 15)));
  const retainedKeys = keysBy((s) => s.retained, 20);
  tableOf('snapshot: retained by (freed without it), MB (%)', [
    ...rowsOf((s) => s.retained, retainedKeys),
    ['parsed graphql documents alive', ...summaries.map((s) => (s ? String(s.graphqlDocuments) : '—'))],
  ]);
  const cacheMetrics = [...new Set(ms.flatMap((m) => Object.keys(m.figures.metrics).filter((k) => k.startsWith('tollgate_cache'))))].sort();
  if (cacheMetrics.length > 0) {
    tableOf("gateway's own cache gauges (/metrics)", cacheMetrics.map((k) => [k, ...ms.map((m) => (m.figures.metrics[k] === undefined ? '—' : k.includes('bytes') ? `${fmt(mb(m.figures.metrics[k]), 1)} MB` : String(m.figures.metrics[k])))]));
  }
  return out.join('\n');
}

function mb(bytes: number | undefined): number | null {
  return bytes === undefined ? null : Math.round(bytes / 2 ** 20);
}

function mbOf(bytes: number | undefined): number | null {
  return bytes === undefined ? null : bytes / 2 ** 20;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function resolveRef(ref: string): ReturnType<typeof resolveBaselineRef> {
  try {
    return resolveBaselineRef(repoRoot, ref);
  } catch {
    return fail(`--ref ${ref}: not a commit of this repository`);
  }
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
}

function whole(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) fail(`--${name}: expected a whole number ≥ ${min}, got "${raw}"`);
  return n;
}

function fail(message: string): never {
  console.error(`heap-summary: ${message}\n${USAGE}`);
  process.exit(2);
}
