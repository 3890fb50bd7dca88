// One cell group of the results table: one row (gateway configuration) × one workload.
import type { LoadResult } from '../load-worker.ts';

export type Status =
  | 'ok' // measured, every response correct: scores
  | 'errors' // measured, but some responses failed or were wrong: does not score
  | 'wrong' // the probe request already returned a wrong answer: not loaded
  | 'failed-to-start' // the gateway did not start or never became ready
  | 'load-failed'; // the probe or the load worker itself failed

export interface RowResult {
  scenario: string;
  row: string;
  workload: string;
  /** The URL the load was sent to. */
  url?: string;
  status: Status;
  /** Why the row does not score (first lines of the error / a body sample). */
  reason?: string;
  requestsPerSec?: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  /** Socket errors + timeouts + non-2xx or wrong bodies, during measurement. */
  errors?: number;
  /** Peak RSS (VmHWM) of the gateway process after the measurement; the subgraphs process for the direct row. */
  peakRssMb?: number | null;
  /** CPU use of the gateway process over the measured window, % of one core. */
  cpuPercent?: number | null;
  /** CPU use of the subgraphs process over the measured window, % of one core. */
  subgraphsCpuPercent?: number | null;
  /** HTTP requests the subgraphs received for the probe: one client request with nothing else in flight. */
  subgraphRequestsAlone?: number | null;
  /** HTTP requests the scenario's subgraphs received during the measured window (null: not counted). */
  subgraphRequests?: number | null;
  /**
   * subgraphRequests ÷ client requests sent in the window (load.sent). The counter is read with
   * nothing in flight at both edges, so each request sent in the window is counted whole, including
   * those still in flight when the load stopped (short only if a gateway drops the remaining fetches
   * of a request whose client went away). Below subgraphRequestsAlone where a gateway shares
   * identical in-flight subgraph requests between concurrent clients (Hive Gateway does by default).
   */
  subgraphRequestsPerRequest?: number | null;
  /** CPU use of the load generator over the measured window, % of one core. */
  loadCpuPercent?: number | null;
  /** Bytes of one request on the wire: request line, headers and body, as the load generator writes it. */
  requestBytes?: number;
  /** requestsPerSec ÷ the baseline's for the same workload in this run. */
  vsBaseline?: number | null;
  /** Where the expected response came from. */
  reference?: string;
  load?: LoadResult;
}

export function scores(r: RowResult): boolean {
  return r.status === 'ok';
}
