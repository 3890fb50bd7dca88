// Command-line flags (and their BENCH_* environment twins) for `npm run bench -- ...`.
import { parseArgs } from 'node:util';

export interface Options {
  /** Measured seconds per row and query. Default 10 (5 with --quick). */
  durationSeconds: number;
  /** Discarded warm-up seconds before each measurement. Default 3 (2 with --quick). */
  warmupSeconds: number;
  /** Concurrent connections of the load generator. Default 50. */
  connections: number;
  /** --rate: requests per second the load generator holds to (all connections together); null = as fast as answered. */
  rate: number | null;
  /** Row names to run (--only); null = all. */
  only: Set<string> | null;
  /** Workload names to run (--query); null = all. */
  queries: Set<string> | null;
  /** Which gateway processes run with --cpu-prof (into bench/results/profiles). */
  cpuProf: 'off' | 'tollgate' | 'all';
  /** Write bench/results/<timestamp>.json. Default true. */
  save: boolean;
  /** --baseline-ref: a git ref whose Tollgate runs as an extra row `tollgate@REF`; null = none. */
  baselineRef: string | null;
  /** --baseline-row: the Tollgate row the baseline-ref row duplicates (its config); default `tollgate`. */
  baselineRow: string;
  /** --soak: instead of the table, soak rows with distinct operations for `seconds`; null = no soak. */
  soak: { seconds: number } | null;
  /** --rounds: how many times each row is measured, the rows taking turns; the table shows medians. Default 1. */
  rounds: number;
}

export const USAGE = `usage: npm run bench -- [options]
  --quick               2 s warm-up + 5 s per measurement (a smoke test; noisy)
  --duration <s>        measured seconds per row and query (BENCH_DURATION, default 10)
  --warmup <s>          discarded warm-up seconds (BENCH_WARMUP, default 3)
  --connections <n>     concurrent connections (BENCH_CONNECTIONS, default 50)
  --rate <req/s>        hold the load to this many requests per second instead of as many as are
                        answered (BENCH_RATE): every row then serves the same load, and its CPU µs
                        per request compares features without the other processes' share of the
                        cores deciding (a rate no row can reach is a saturation run again)
  --only <rows>         comma-separated row names, e.g. tollgate,apollo-gateway (BENCH_ONLY)
  --query <names>       comma-separated queries: heavy,top-products,home-screen,home-screen-id,home-rest (BENCH_QUERY)
  --cpu-prof            write CPU profiles of tollgate rows to bench/results/profiles
  --cpu-prof-all        … of every gateway row (to see where the others spend time)
  --no-save             don't write the JSON result file
  --baseline-ref <ref>  also run Tollgate as it was at git <ref> (a worktree), as row tollgate@<ref>,
                        and print tollgate's req/s as a ratio of it (BENCH_BASELINE_REF)
  --baseline-row <row>  the Tollgate row --baseline-ref duplicates, e.g. tollgate+full → row
                        tollgate+full@<ref> with the same config (BENCH_BASELINE_ROW, default tollgate)
  --rounds <n>          measure every row n times, the rows taking turns (BENCH_ROUNDS, default 1):
                        the table shows each cell's median, and a line per row its req/s in each
                        round and the median of its per-round ratios to the first row
  --soak                instead of the table: a soak of distinct operations (20 clients, 3 of 4
                        requests a new operation text) on the standard subgraphs, gateway RSS sampled
                        every few seconds; rows tollgate,apollo-gateway unless --only says
  --soak-seconds <s>    length of the soak per row (BENCH_SOAK_SECONDS, default 180)
env BENCH_SUBGRAPH_CACHE=0 makes the standard subgraphs execute every request (default: cached)`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rate: { type: 'string' },
      only: { type: 'string' },
      query: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'cpu-prof-all': { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
      'baseline-ref': { type: 'string' },
      'baseline-row': { type: 'string' },
      soak: { type: 'boolean', default: false },
      'soak-seconds': { type: 'string' },
      rounds: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const quick = values.quick === true;
  if (values['soak-seconds'] !== undefined && values.soak !== true) throw new Error('--soak-seconds: only with --soak');
  if (values.rounds !== undefined && values.soak === true) throw new Error('--rounds: not with --soak');
  return {
    durationSeconds: positive('duration', values.duration ?? env['BENCH_DURATION'], quick ? 5 : 10),
    warmupSeconds: positive('warmup', values.warmup ?? env['BENCH_WARMUP'], quick ? 2 : 3, true),
    connections: positive('connections', values.connections ?? env['BENCH_CONNECTIONS'], 50),
    rate: optionalPositive('rate', values.rate ?? env['BENCH_RATE']),
    only: list(values.only ?? env['BENCH_ONLY']),
    queries: list(values.query ?? env['BENCH_QUERY']),
    cpuProf: values['cpu-prof-all'] === true ? 'all' : values['cpu-prof'] === true ? 'tollgate' : 'off',
    save: values['no-save'] !== true,
    baselineRef: gitRef(values['baseline-ref'] ?? env['BENCH_BASELINE_REF']),
    baselineRow: values['baseline-row'] ?? env['BENCH_BASELINE_ROW'] ?? 'tollgate',
    rounds: positive('rounds', values.rounds ?? env['BENCH_ROUNDS'], 1),
    soak: values.soak === true ? { seconds: positive('soak-seconds', values['soak-seconds'] ?? env['BENCH_SOAK_SECONDS'], 180) } : null,
  };
}

// Only the shape is checked here; whether the ref exists is git's answer (bench/baseline-ref.ts).
// A leading '-' would be read by git as an option, and whitespace can't be in a ref.
function gitRef(raw: string | undefined): string | null {
  const ref = raw?.trim();
  if (ref === undefined || ref === '') return null;
  if (ref.startsWith('-') || /\s/.test(ref)) throw new Error(`--baseline-ref: not a git ref: "${ref}"`);
  return ref;
}

function positive(name: string, raw: string | undefined, fallback: number, zeroOk = false): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (zeroOk ? 0 : 1)) throw new Error(`--${name}: expected a whole number, got "${raw}"`);
  return n;
}

function optionalPositive(name: string, raw: string | undefined): number | null {
  return raw === undefined || raw === '' ? null : positive(name, raw, 0);
}

function list(raw: string | undefined): Set<string> | null {
  if (raw === undefined || raw.trim() === '') return null;
  return new Set(raw.split(',').map((s) => s.trim()).filter(Boolean));
}
