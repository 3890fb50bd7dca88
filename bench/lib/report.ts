// Renders results: the stdout table (with the machine header) and the JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Options } from './options.ts';
import { scores, type RowResult } from './result.ts';
import { sampleInterval, SOAK_CLIENTS } from './soak.ts';
import type { SystemInfo } from './system.ts';

export function header(sys: SystemInfo, opts: Options, versions: Record<string, string>): string {
  return [
    `Tollgate benchmark — ${new Date().toISOString()}`,
    `${sys.nproc} CPU(s): ${sys.cpuModel} · ${sys.memoryGb} GB · node ${sys.node} · ${sys.platform}`,
    Object.entries(versions).map(([name, v]) => `${name} ${v}`).join(' · '),
    opts.soak
      ? `soak: ${SOAK_CLIENTS} clients · 3 of 4 requests a new operation text · ${opts.soak.seconds} s per row · RSS every ${sampleInterval(opts.soak.seconds)} s`
      : `${opts.connections} connections · ${opts.warmupSeconds} s warm-up (discarded) + ${opts.durationSeconds} s measured per row${opts.rounds > 1 ? ` · ${opts.rounds} rounds, the rows taking turns (cells: medians)` : ''}`,
  ].join('\n');
}

/** Fills vsBaseline: ratio to the baseline row's req/s for the same scenario and workload. */
export function addRatios(results: RowResult[], baseline: string): void {
  for (const r of results) {
    const base = results.find((b) => b.row === baseline && b.scenario === r.scenario && b.workload === r.workload);
    r.vsBaseline =
      scores(r) && base && scores(base) && base.requestsPerSec && r.requestsPerSec !== undefined
        ? r.requestsPerSec / base.requestsPerSec
        : null;
  }
}

const STATUS_TEXT: Record<RowResult['status'], string> = {
  ok: '',
  errors: 'ERRORS: does not score',
  wrong: 'wrong response',
  'failed-to-start': 'failed to start',
  'load-failed': 'load failed',
};

const LEGEND =
  'req B: bytes of one request on the wire (request line, headers, body). ' +
  'CPU µs/req: the gateway\'s CPU time over the measured window ÷ requests answered in it ' +
  '(all its processes: a supervisor, a primary and its workers); req/CPU-s: the same the other way up, requests per gateway CPU-second. ' +
  'load CPU %: the load generator\'s. ' +
  'subgraph req/req: HTTP requests the subgraphs received per client request over the measured window ' +
  '(lower where a gateway shares identical in-flight subgraph requests between clients); ' +
  'alone: for one request with nothing else in flight (the probe).';

export function table(results: RowResult[], baseline: string): string {
  const head = ['row', 'query', 'req B', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'peak RSS MB', 'CPU %', 'CPU µs/req', 'req/CPU-s', 'subgraphs CPU %', 'load CPU %', 'subgraph req/req', 'alone', `vs ${baseline}`, ''];
  const body = results.map((r) => {
    const measured = r.requestsPerSec !== undefined;
    return [
      r.row,
      r.workload,
      r.requestBytes === undefined ? '—' : String(r.requestBytes),
      measured ? fmt(r.requestsPerSec, 0) + (scores(r) ? '' : ' ✗') : '—',
      ms(r.latencyP50Ms),
      ms(r.latencyP99Ms),
      r.errors === undefined ? '—' : String(r.errors),
      r.peakRssMb == null ? '—' : String(r.peakRssMb),
      r.cpuPercent == null ? '—' : String(r.cpuPercent),
      r.cpuPercent == null || !r.requestsPerSec ? '—' : fmt((r.cpuPercent / 100 / r.requestsPerSec) * 1e6, 0),
      !r.cpuPercent || !r.requestsPerSec ? '—' : fmt(r.requestsPerSec / (r.cpuPercent / 100), 0),
      r.subgraphsCpuPercent == null ? '—' : String(r.subgraphsCpuPercent),
      r.loadCpuPercent == null ? '—' : String(r.loadCpuPercent),
      r.subgraphRequestsPerRequest == null ? '—' : r.subgraphRequestsPerRequest.toFixed(1),
      r.subgraphRequestsAlone == null ? '—' : String(r.subgraphRequestsAlone),
      r.vsBaseline == null ? '—' : `${r.vsBaseline.toFixed(2)}×`,
      STATUS_TEXT[r.status],
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const numeric = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ').trimEnd();
  const notes = results
    .filter((r) => r.reason !== undefined)
    .map((r) => `  ${r.row} · ${r.workload}: ${oneLine(r.reason ?? '')}`);
  return [line(head), rule, ...body.map(line), '', LEGEND, ...(notes.length ? ['', 'notes:', ...notes] : [])].join('\n');
}

export function writeJson(file: string, payload: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
}

function fmt(n: number | undefined, digits: number): string {
  return n === undefined ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

// autocannon's latency histogram has 1 ms resolution.
function ms(n: number | undefined): string {
  if (n === undefined) return '—';
  return n < 1 ? '<1' : fmt(n, 0);
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
