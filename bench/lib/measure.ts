// Measures one row against a running scenario: start the gateway, wait until ready, then per
// workload probe once for correctness, load it, read the gateway's peak RSS; stop the gateway.
import { join } from 'node:path';
import type { Prepared, Row } from '../rows.ts';
import type { RunningScenario, Workload } from '../scenarios/types.ts';
import { launchSpec } from './launch.ts';
import { runLoad } from './load.ts';
import { freePort, send, waitReady } from './net.ts';
import type { Options } from './options.ts';
import { cpuMeter, peakRssMb, spawnChild, type Child } from './processes.ts';
import type { RowResult } from './result.ts';
import { makeBodyCheck } from './verify.ts';

export interface MeasureContext {
  repoRoot: string;
  runDir: string;
  scenario: string;
  opts: Options;
  cpuProfDir: string;
  /** Expected data per workload taken from an earlier row (the baseline) when there is no oracle. */
  references: Map<string, { data: unknown; source: string }>;
  log: (line: string) => void;
}

export async function measureRow(row: Row, running: RunningScenario, ctx: MeasureContext): Promise<RowResult[]> {
  if (row.kind === 'subgraph-direct') {
    if (!running.direct) return [];
    const { url, workload } = running.direct;
    return [await measureWorkload(row, workload, url, {}, { target: null, subgraphs: running.pid }, running, ctx)];
  }
  // A workload meant for some rows only (e.g. the one that configures its REST endpoint).
  const workloads = running.workloads.filter((w) => w.rows === undefined || w.rows.includes(row.name));
  if (workloads.length === 0) return [];
  // Ready once it answers a GraphQL POST: the first such workload, else the smallest query.
  const readyBody = workloads.find((w) => (w.method ?? 'POST') === 'POST' && w.path === undefined)?.body ?? '{"query":"{ __typename }"}';
  return withGateway(
    row,
    running,
    readyBody,
    ctx,
    async (gateway) => {
      const pids = { target: gateway.pid, subgraphs: running.pid };
      const results: RowResult[] = [];
      for (const workload of workloads) {
        const url = workload.path === undefined ? gateway.url : new URL(workload.path, gateway.url).href;
        results.push(await measureWorkload(row, workload, url, gateway.headers, pids, running, ctx));
      }
      return results;
    },
    (message) =>
      workloads.map((w) => ({
        scenario: ctx.scenario, row: row.name, workload: w.name, status: 'failed-to-start', reason: message,
      })),
  );
}

/** A gateway row's process, ready to take requests. */
export interface StartedGateway {
  pid: number;
  /** Its GraphQL endpoint. */
  url: string;
  /** Headers every request to it must carry (the row's and its prepare step's). */
  headers: Record<string, string>;
}

/**
 * Prepares a gateway row, starts it against the scenario's supergraph, waits until it answers
 * `readyBody`, runs `use`, then stops it and runs the row's cleanup. If preparing, starting or
 * `use` throws, the message is logged and `failed(message)` is the result.
 */
export async function withGateway<T>(
  row: Row,
  running: RunningScenario,
  readyBody: string,
  ctx: MeasureContext,
  use: (gateway: StartedGateway) => Promise<T>,
  failed: (message: string) => T,
): Promise<T> {
  if (row.kind === 'subgraph-direct') throw new Error(`${row.name}: not a gateway row`);
  const fail = (err: unknown): T => {
    const message = err instanceof Error ? err.message : String(err);
    ctx.log(`  ${row.name}: failed to start: ${message.split('\n')[0]}`);
    return failed(message);
  };

  let prepared: Prepared = {};
  let child: Child | undefined;
  const profiled = ctx.opts.cpuProf === 'all' || (ctx.opts.cpuProf === 'tollgate' && row.kind === 'tollgate');
  try {
    prepared = (await row.prepare?.({ runDir: ctx.runDir, supergraphPath: running.supergraphPath, scenario: ctx.scenario })) ?? {};
    const headers = { ...row.headers, ...prepared.headers };
    const spec = launchSpec(row.kind, {
      repoRoot: ctx.repoRoot,
      runDir: ctx.runDir,
      supergraphPath: running.supergraphPath,
      port: await freePort(),
      args: [...(row.args ?? []), ...(prepared.args ?? [])],
      env: { ...row.env, ...prepared.env },
      tollgateRoot: prepared.root ?? null,
      cwd: prepared.cwd ?? null,
      cpuProfDir: profiled ? join(ctx.cpuProfDir, row.name) : null,
    });
    const started = Date.now();
    try {
      child = spawnChild(row.name, spec.command, spec.args, { cwd: spec.cwd, env: spec.env });
      await waitReady(child, {
        ...(spec.healthUrl === undefined ? {} : { healthUrl: spec.healthUrl }),
        graphqlUrl: spec.graphqlUrl,
        body: readyBody,
        headers,
      });
      if (row.readyOutput) await child.waitForOutput(row.readyOutput, 60_000);
    } catch (err) {
      return fail(err);
    }
    ctx.log(`  ${row.name}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s (pid ${child.pid})`);
    return await use({ pid: child.pid, url: spec.graphqlUrl, headers });
  } catch (err) {
    return fail(err); // prepare, launch or `use` failed
  } finally {
    // A profiled gateway writes its profile only once its graceful stop (the drain, 5 s by default) ends.
    await child?.stop(profiled ? 30_000 : undefined);
    await prepared.cleanup?.();
  }
}

async function measureWorkload(
  row: Row,
  workload: Workload,
  url: string,
  headers: Record<string, string>,
  pids: { target: number | null; subgraphs: number },
  running: RunningScenario,
  ctx: MeasureContext,
): Promise<RowResult> {
  const base = { scenario: ctx.scenario, row: row.name, workload: workload.name, url };
  const label = `  ${row.name} · ${workload.name}`;
  let probe;
  // The probe is the only request in flight (whatever came before has drained), so the subgraph
  // requests it causes are the query's own fetch count (no sharing with other clients' requests);
  // they are all done once its answer is in.
  let probeSubgraphRequests: number | null;
  try {
    const before = await settledCount(running);
    probe = await send(workload.method ?? 'POST', url, workload.body, headers);
    probeSubgraphRequests = windowCount(before, await running.subgraphRequests());
  } catch (err) {
    return { ...base, status: 'load-failed', reason: `probe request failed: ${(err as Error).message}` };
  }

  // Expected data: the oracle's, else the first row's correct-looking reply (the baseline runs first);
  // a workload asking for the same data another way shares that workload's reference.
  const bodyIsData = workload.answer === 'data';
  const referenceKey = workload.sameDataAs ?? workload.name;
  let reference = workload.expectedData === undefined ? ctx.references.get(referenceKey) : { data: workload.expectedData, source: 'oracle' };
  if (!reference) {
    const data = cleanData(probe.status, probe.body, bodyIsData);
    if (data === undefined) {
      return { ...base, status: 'wrong', reason: `no reference: ${probe.status} ${probe.body.slice(0, 300)}` };
    }
    reference = { data, source: `reply of ${row.name}${referenceKey === workload.name ? '' : ` to ${referenceKey}`}` };
    ctx.references.set(referenceKey, reference);
  }
  if (probe.status !== 200 || !makeBodyCheck(reference.data, bodyIsData)(probe.body)) {
    ctx.log(`${label}: wrong response`);
    return { ...base, status: 'wrong', reference: reference.source, reason: `${probe.status} ${probe.body.slice(0, 300)}` };
  }

  const { opts } = ctx;
  // CPU over the measured window only, for the gateway and the subgraphs (the worker reports its own).
  // The subgraphs' request counter is read once the warm-up's abandoned requests have drained (so
  // the window starts with nothing in flight) and again once the window's own have: every subgraph
  // request of a request sent in the window is counted, none from outside it.
  let meter: ReturnType<typeof cpuMeter> | undefined;
  let requestsBefore: number | null = null;
  try {
    const load = await runLoad(
      {
        url,
        method: workload.method ?? 'POST',
        body: workload.body,
        bodyIsData,
        headers,
        connections: opts.connections,
        rate: opts.rate ?? undefined,
        warmupSeconds: opts.warmupSeconds,
        durationSeconds: opts.durationSeconds,
        expectedData: reference.data,
      },
      ctx.repoRoot,
      async () => {
        requestsBefore = await settledCount(running);
        meter = cpuMeter([pids.target ?? -1, pids.subgraphs]);
        meter.start();
      },
    );
    const [gatewayCpu, subgraphsCpu] = meter?.stop() ?? [];
    const subgraphRequests = windowCount(requestsBefore, await settledCount(running));
    const errors = load.errors + load.mismatches;
    const result: RowResult = {
      ...base,
      status: errors === 0 && load.requests > 0 ? 'ok' : 'errors',
      requestsPerSec: load.requestsPerSec,
      latencyP50Ms: load.latencyP50Ms,
      latencyP99Ms: load.latencyP99Ms,
      errors,
      // The direct row has no gateway: show the subgraphs process there instead.
      peakRssMb: peakRssMb(pids.target ?? pids.subgraphs),
      cpuPercent: gatewayCpu ?? null,
      subgraphsCpuPercent: subgraphsCpu ?? null,
      subgraphRequestsAlone: probeSubgraphRequests,
      subgraphRequests,
      subgraphRequestsPerRequest: subgraphRequests === null || load.sent === 0 ? null : subgraphRequests / load.sent,
      loadCpuPercent: load.cpuPercent,
      requestBytes: load.requestBytes,
      reference: reference.source,
      load,
      ...(errors > 0 ? { reason: `${errors} bad responses (${load.non2xx} non-2xx, ${load.timeouts} timeouts)${load.mismatchSample ? `, e.g. ${load.mismatchSample}` : ''}` } : {}),
    };
    ctx.log(
      `${label}: ${Math.round(load.requestsPerSec)} req/s, p99 ${load.latencyP99Ms} ms, ${errors} errors, ` +
        `CPU % gateway ${result.cpuPercent ?? '—'} · subgraphs ${result.subgraphsCpuPercent ?? '—'} · load ${result.loadCpuPercent ?? '—'}, ` +
        `subgraph requests per request ${result.subgraphRequestsPerRequest?.toFixed(2) ?? '—'} (alone ${probeSubgraphRequests ?? '—'})`,
    );
    return result;
  } catch (err) {
    return { ...base, status: 'load-failed', reason: `load failed: ${(err as Error).message}` };
  }
}

/**
 * The subgraphs' request counter once it has stopped moving (nothing in flight between gateway and
 * subgraphs): unchanged over `quietMs`, polled every 100 ms, for at most `maxMs` (then as it is).
 */
export async function settledCount(running: RunningScenario, quietMs = 500, maxMs = 10_000): Promise<number | null> {
  const deadline = Date.now() + maxMs;
  let last = await running.subgraphRequests();
  let since = Date.now();
  while (last !== null && Date.now() < deadline && Date.now() - since < quietMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await running.subgraphRequests();
    if (now !== last) since = Date.now();
    last = now;
  }
  return last;
}

/** Requests the subgraphs received between two readings of their counter; null if either is missing. */
export function windowCount(before: number | null, after: number | null): number | null {
  return before === null || after === null ? null : after - before;
}

/** `data` of a 200 reply without errors (the whole body when `bodyIsData`), else undefined. */
function cleanData(status: number, body: string, bodyIsData: boolean): unknown {
  if (status !== 200) return undefined;
  try {
    const parsed = JSON.parse(body) as { data?: unknown; errors?: unknown };
    if (bodyIsData) return parsed;
    return parsed.errors === undefined && parsed.data != null ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
