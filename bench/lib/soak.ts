// `npm run bench -- --soak`: each soak row (a gateway) against the standard scenario's subgraphs for
// a few minutes of distinct operations (soak-worker.ts: 20 clients, 3 of 4 requests a new operation
// text), the gateway's RSS (VmRSS) sampled every few seconds. Memory that a gateway holds per
// distinct operation (plan and document caches, …) shows as a curve that keeps climbing.
import { fileURLToPath } from 'node:url';
import type { Row } from '../rows.ts';
import type { RunningScenario } from '../scenarios/types.ts';
import type { SoakJob, SoakLoadResult, SoakProgress, SoakWorkerMessage } from '../soak-worker.ts';
import { settledCount, windowCount, withGateway, type MeasureContext, type StartedGateway } from './measure.ts';
import { post } from './net.ts';
import { operationVariants } from './operations.ts';
import { cpuMeter, forkChild, peakRssMb, rssMb } from './processes.ts';
import type { Status } from './result.ts';
import { makeBodyCheck } from './verify.ts';

const WORKER = fileURLToPath(new URL('../soak-worker.ts', import.meta.url));

/** Rows soaked when --only doesn't say. */
export const DEFAULT_SOAK_ROWS = ['tollgate', 'apollo-gateway'];
export const SOAK_CLIENTS = 20;

export interface SoakSettings {
  seconds: number;
  clients: number;
  /** Seconds between two RSS samples. */
  sampleSeconds: number;
}

/** Every few seconds, and once more when the load has ended. */
export function sampleInterval(seconds: number): number {
  return seconds >= 60 ? 5 : 2;
}

export interface RssSample {
  /** Seconds since the soak's first request. */
  t: number;
  /** VmRSS of the gateway process; null if it could not be read (process gone). */
  rssMb: number | null;
  /** Answers received by then. */
  requests: number;
}

export interface SoakResult {
  scenario: string;
  row: string;
  status: Status;
  reason?: string;
  clients: number;
  /** Workloads of the standard scenario cycled through (each as written 1 time in 4, else a new text). */
  queries: string[];
  seconds?: number;
  requests?: number;
  /** Requests that were a new operation text. */
  fresh?: number;
  errors?: number;
  requestsPerSec?: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  /** The RSS curve. */
  rss: RssSample[];
  /** VmHWM at the end. */
  peakRssMb?: number | null;
  /** RSS at the first sample at or after a quarter of the soak (warm-up over), and at the end. */
  warmRssMb?: number | null;
  endRssMb?: number | null;
  /** (end − warm) ÷ warm, %. */
  growthAfterWarmupPercent?: number | null;
  /** Least-squares slope of the curve from the warm sample on, MB per minute. */
  slopeAfterWarmupMbPerMin?: number | null;
  /** HTTP requests the subgraphs received ÷ client requests, over the soak (every request completes). */
  subgraphRequestsPerRequest?: number | null;
  cpuPercent?: number | null;
  subgraphsCpuPercent?: number | null;
  load?: SoakLoadResult;
}

/** Soaks one gateway row: start it, check each query (as written and as a variant), load, sample, stop. */
export async function soakRow(row: Row, running: RunningScenario, settings: SoakSettings, ctx: MeasureContext): Promise<SoakResult> {
  const queries = running.workloads.map((w) => ({ name: w.name, query: queryOf(w.body), expectedData: w.expectedData, body: w.body }));
  const base = { scenario: ctx.scenario, row: row.name, clients: settings.clients, queries: queries.map((q) => q.name), rss: [] };
  const first = queries[0];
  if (!first) return { ...base, status: 'load-failed', reason: 'no queries to soak with' };
  return withGateway(
    row,
    running,
    first.body,
    ctx,
    async (gateway) => {
      // Fail fast on a wrong answer; the worker checks every answer too.
      for (const q of queries) {
        const check = makeBodyCheck(q.expectedData);
        const variants = operationVariants(q.query);
        const variant = variants.variant(0); // the worker's fresh texts never use n = 0
        for (const [what, body, alias] of [['as written', q.body, null], ['as a new operation', variant.body, variant.alias]] as const) {
          const reply = await post(gateway.url, body, gateway.headers);
          const text = alias && variants.key ? reply.body.replace(`"${alias}":`, `"${variants.key}":`) : reply.body;
          if (reply.status !== 200 || !check(text)) {
            ctx.log(`  ${row.name} · soak: wrong response to ${q.name} ${what}`);
            return { ...base, status: 'wrong', reason: `${q.name} ${what}: ${reply.status} ${reply.body.slice(0, 300)}` };
          }
        }
      }
      return soak(row, running, gateway, queries, settings, ctx, base);
    },
    (message) => ({ ...base, status: 'failed-to-start', reason: message }),
  );
}

async function soak(
  row: Row,
  running: RunningScenario,
  gateway: StartedGateway,
  queries: { name: string; query: string; expectedData: unknown }[],
  settings: SoakSettings,
  ctx: MeasureContext,
  base: Pick<SoakResult, 'scenario' | 'row' | 'clients' | 'queries' | 'rss'>,
): Promise<SoakResult> {
  const samples: RssSample[] = [];
  let progress: SoakProgress = { requests: 0, fresh: 0, errors: 0 };
  let t0 = 0;
  const sample = () => {
    const s = { t: Math.round((performance.now() - t0) / 100) / 10, rssMb: rssMb(gateway.pid), requests: progress.requests };
    samples.push(s);
    ctx.log(`  ${row.name} · soak ${s.t.toFixed(0).padStart(4)} s: RSS ${s.rssMb ?? '—'} MB, ${progress.requests} requests, ${progress.errors} errors`);
  };

  const before = await settledCount(running);
  const meter = cpuMeter([gateway.pid, running.pid]);
  const job: SoakJob = {
    url: gateway.url,
    headers: gateway.headers,
    clients: settings.clients,
    seconds: settings.seconds,
    queries: queries.map(({ name, query, expectedData }) => ({ name, query, expectedData })),
  };
  const child = forkChild('soak-worker', WORKER, [], { cwd: ctx.repoRoot, execArgv: ['--import', 'tsx'] });
  let timer: NodeJS.Timeout | undefined;
  let load: SoakLoadResult;
  try {
    load = await new Promise<SoakLoadResult>((resolve, reject) => {
      const limit = setTimeout(() => reject(new Error(`soak worker ran over ${settings.seconds + 60} s`)), (settings.seconds + 60) * 1000);
      child.proc.on('message', (m: SoakWorkerMessage) => {
        if (m.type === 'progress') {
          progress = m.progress;
          return;
        }
        clearTimeout(limit);
        if (m.type === 'done') resolve(m.result);
        else reject(new Error(`soak worker: ${m.error}`));
      });
      void child.exited.then((code) =>
        setTimeout(() => {
          clearTimeout(limit);
          reject(new Error(`soak worker exited (${code}) without a result: ${child.logTail().trim()}`));
        }, 1000),
      );
      t0 = performance.now();
      meter.start();
      sample();
      timer = setInterval(sample, settings.sampleSeconds * 1000);
      child.proc.send(job);
    });
  } catch (err) {
    return { ...base, status: 'load-failed', reason: (err as Error).message, rss: samples };
  } finally {
    clearInterval(timer);
    await child.stop(2000);
  }
  const [gatewayCpu, subgraphsCpu] = meter.stop();
  progress = load;
  sample();
  const subgraphRequests = windowCount(before, await settledCount(running));
  const curve = summarise(samples, settings.seconds);
  const result: SoakResult = {
    ...base,
    status: load.errors === 0 && load.requests > 0 ? 'ok' : 'errors',
    seconds: load.seconds,
    requests: load.requests,
    fresh: load.fresh,
    errors: load.errors,
    requestsPerSec: load.requestsPerSec,
    latencyP50Ms: load.latencyP50Ms,
    latencyP99Ms: load.latencyP99Ms,
    rss: samples,
    peakRssMb: peakRssMb(gateway.pid),
    ...curve,
    subgraphRequestsPerRequest: subgraphRequests === null || load.requests === 0 ? null : subgraphRequests / load.requests,
    cpuPercent: gatewayCpu ?? null,
    subgraphsCpuPercent: subgraphsCpu ?? null,
    load,
    ...(load.errors > 0
      ? { reason: `${load.errors} bad responses (${load.non2xx} non-2xx, ${load.mismatches} wrong, ${load.socketErrors} socket errors/timeouts)${load.errorSample ? `, e.g. ${load.errorSample}` : ''}` }
      : {}),
  };
  ctx.log(
    `  ${row.name} · soak: ${Math.round(load.requestsPerSec)} req/s, ${load.errors} errors, RSS ${curve.warmRssMb ?? '—'} → ${curve.endRssMb ?? '—'} MB after warm-up, peak ${result.peakRssMb ?? '—'} MB`,
  );
  return result;
}

/** Warm point = first sample at or after a quarter of the soak; growth and slope from there to the end. */
export function summarise(
  samples: readonly RssSample[],
  seconds: number,
): Pick<SoakResult, 'warmRssMb' | 'endRssMb' | 'growthAfterWarmupPercent' | 'slopeAfterWarmupMbPerMin'> {
  const valid = samples.filter((s): s is RssSample & { rssMb: number } => s.rssMb !== null);
  const warmIndex = valid.findIndex((s) => s.t >= seconds / 4);
  const warm = warmIndex < 0 ? undefined : valid[warmIndex];
  const end = valid[valid.length - 1];
  if (!warm || !end) return { warmRssMb: null, endRssMb: end?.rssMb ?? null, growthAfterWarmupPercent: null, slopeAfterWarmupMbPerMin: null };
  const tail = valid.slice(warmIndex);
  return {
    warmRssMb: warm.rssMb,
    endRssMb: end.rssMb,
    growthAfterWarmupPercent: ((end.rssMb - warm.rssMb) / warm.rssMb) * 100,
    slopeAfterWarmupMbPerMin: tail.length < 2 ? null : slope(tail.map((s) => [s.t / 60, s.rssMb])),
  };
}

function slope(points: [number, number][]): number | null {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  return sxx === 0 ? null : sxy / sxx;
}

/** The query text of a workload's request body. */
function queryOf(body: string): string {
  const { query } = JSON.parse(body) as { query?: unknown };
  if (typeof query !== 'string') throw new Error('workload body without a query');
  return query;
}

/** Per row: a summary line and the RSS curve (time → MB). */
export function soakReport(results: readonly SoakResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    if (r.requests === undefined) {
      out.push(`${r.row}: ${r.status}${r.reason ? `: ${oneLine(r.reason)}` : ''}`, '');
      continue;
    }
    const n = (x: number | undefined) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
    const pct = (x: number | null | undefined) => (x == null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`);
    const mbMin = (x: number | null | undefined) => (x == null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(1)} MB/min`);
    out.push(
      `${r.row}: ${n(r.requests)} requests (${n(r.fresh)} new operation texts) in ${r.seconds?.toFixed(0)} s, ${n(r.requestsPerSec)} req/s, ` +
        `p50 ${r.latencyP50Ms} ms, p99 ${r.latencyP99Ms} ms, ${r.errors} errors${r.status === 'ok' ? '' : ' ✗'}, ` +
        `subgraph req/req ${r.subgraphRequestsPerRequest?.toFixed(1) ?? '—'}, CPU % ${r.cpuPercent ?? '—'} · subgraphs ${r.subgraphsCpuPercent ?? '—'}`,
      `  RSS MB: peak (VmHWM) ${r.peakRssMb ?? '—'}, after warm-up ${r.warmRssMb ?? '—'} → end ${r.endRssMb ?? '—'} (${pct(r.growthAfterWarmupPercent)}, slope ${mbMin(r.slopeAfterWarmupMbPerMin)})`,
      ...curveLines(r.rss),
      ...(r.reason ? [`  ${oneLine(r.reason)}`] : []),
      '',
    );
  }
  return out.join('\n').trimEnd();
}

function curveLines(samples: readonly RssSample[], perLine = 8): string[] {
  const cells = samples.map((s) => `${s.t.toFixed(0).padStart(4)} s ${String(s.rssMb ?? '—').padStart(5)}`);
  const lines: string[] = [];
  for (let i = 0; i < cells.length; i += perLine) lines.push(`  ${cells.slice(i, i + perLine).join('  ')}`);
  return lines;
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
