// --rounds N: every selected row measured N times, the rows taking turns (row A, row B, row A, …),
// so that a slow minute of a shared machine falls on every row alike. One row's req/s moved by a
// third between runs minutes apart on the 2-core VM; a single run cannot tell a 10% difference.
// Each cell of the table is then the median of its rounds, and the line per row gives its req/s
// in every round and the median of the per-round ratios to the first row (each ratio from two
// measurements a few seconds apart).
import { scores, type RowResult } from './result.ts';

const NUMERIC = ['requestsPerSec', 'latencyP50Ms', 'latencyP99Ms', 'errors', 'peakRssMb', 'cpuPercent', 'subgraphsCpuPercent', 'subgraphRequests', 'subgraphRequestsPerRequest', 'loadCpuPercent'] as const;

export interface RoundsSummary {
  row: string;
  scenario: string;
  workload: string;
  /** req/s of each round, in order (null: the round did not score). */
  requestsPerSec: (number | null)[];
  /** This row's req/s ÷ the reference row's, per round where both scored. */
  ratios: number[];
  medianRatio: number | null;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * One result per row and workload from the rounds' results (`rounds[i]` = round i's results):
 * medians of the numbers; a row scores only if it scored in every round.
 */
export function combineRounds(rounds: readonly RowResult[][]): RowResult[] {
  const first = rounds[0] ?? [];
  return first.map((cell) => {
    const all = rounds.map((results) => results.find((r) => sameCell(r, cell))).filter((r): r is RowResult => r !== undefined);
    const failed = all.find((r) => !scores(r));
    const combined: RowResult = { ...(failed ?? cell), load: undefined };
    if (failed) return combined;
    for (const key of NUMERIC) {
      const values = all.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
      const m = median(values);
      if (m !== undefined) combined[key] = key === 'peakRssMb' ? Math.max(...values) : m;
    }
    return combined;
  });
}

/** Per row: its req/s in every round and the median of its per-round ratios to `reference`. */
export function roundsSummary(rounds: readonly RowResult[][], reference: string): RoundsSummary[] {
  return (rounds[0] ?? []).map((cell) => {
    const perRound = rounds.map((results) => results.find((r) => sameCell(r, cell)));
    const requestsPerSec = perRound.map((r) => (r && scores(r) && r.requestsPerSec !== undefined ? r.requestsPerSec : null));
    const ratios = rounds.flatMap((results, i) => {
      const ref = results.find((r) => r.row === reference && r.scenario === cell.scenario && r.workload === cell.workload);
      const own = requestsPerSec[i];
      return ref && scores(ref) && ref.requestsPerSec && own != null ? [own / ref.requestsPerSec] : [];
    });
    return { row: cell.row, scenario: cell.scenario, workload: cell.workload, requestsPerSec, ratios, medianRatio: median(ratios) ?? null };
  });
}

export function roundsReport(summaries: readonly RoundsSummary[], reference: string): string {
  const lines = summaries.map((s) => {
    const each = s.requestsPerSec.map((v) => (v === null ? '✗' : Math.round(v).toLocaleString('en-US'))).join(' / ');
    const ratio = s.row === reference || s.medianRatio === null ? '' : `  ÷ ${reference}: ${s.ratios.map((r) => r.toFixed(2)).join(' / ')} → median ${s.medianRatio.toFixed(2)}×`;
    return `  ${s.row} · ${s.workload}: ${each}${ratio}`;
  });
  return [`rounds (req/s of each round; the table shows medians; ratios to ${reference} of the same round):`, ...lines].join('\n');
}

function sameCell(a: RowResult, b: RowResult): boolean {
  return a.row === b.row && a.scenario === b.scenario && a.workload === b.workload;
}
