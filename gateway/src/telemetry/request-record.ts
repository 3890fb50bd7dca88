// What one request did, filled in by the pipeline as the stages run and by the data source as it
// fetches (it is the request's FetchObserver): the access log writes it as one line, the metrics
// count it. Only facts the gateway decided or measured: never a credential, a cookie or a value
// from the request body other than an allowlisted variable.
import type { FetchObserver, FetchOutcome, FetchWatch } from '../core/request-context.ts';
import type { GatewayMetrics } from './metrics.ts';

export type QuotaDecisionKind = 'admitted' | 'limited' | 'store_error';

export interface QuotaRecord {
  decision: QuotaDecisionKind;
  /** The policy that refused, or (admitted) the tightest one. */
  policy?: string | undefined;
  /** What the tightest policy has left after this request (0 when refused). */
  remaining?: number | undefined;
}

export class RequestRecord implements FetchObserver {
  clientId: string | undefined;
  /** `apollographql-client-name` (`clients.name_header`), when the client sent one; bounded, printable. */
  clientName: string | undefined;
  /** `apollographql-client-version` (`clients.version_header`): logs and traces only, never a metric label. */
  clientVersion: string | undefined;
  profile: string | undefined;
  operationName: string | undefined;
  operationType: string | undefined;
  /** Stage 4 resolved the operation (before that its name is unknown, not anonymous). */
  resolved = false;
  estimatedCost: number | undefined;
  actualCost: number | undefined;
  quota: QuotaRecord | undefined;
  /** ok, ok_with_errors, or the refusal's code. */
  outcome = 'ok';
  /** Every `extensions.code` in the response, in order of first appearance, with how many errors had it. */
  readonly errorCodes = new Map<string, number>();
  variables: Record<string, unknown> | undefined;
  subgraphFetches = 0;
  readonly subgraphs: string[] = [];
  /** The trace this request belongs to, when tracing is on. */
  traceId: string | undefined;

  constructor(
    private readonly metrics: GatewayMetrics | undefined,
    /** The tracer's own observer (spans, traceparent), when tracing is on. */
    private readonly traced?: FetchObserver | undefined,
  ) {}

  addErrorCode(code: string): void {
    this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
  }

  fetchStarted(subgraph: string): FetchWatch {
    this.subgraphFetches++;
    if (!this.subgraphs.includes(subgraph)) this.subgraphs.push(subgraph);
    const startedAt = performance.now();
    const traced = this.traced?.fetchStarted(subgraph);
    const metrics = this.metrics;
    return {
      headers: traced?.headers,
      attempt: traced?.attempt && ((url: string) => traced.attempt!(url)),
      ended(outcome: FetchOutcome) {
        metrics?.subgraphFetch(subgraph, (performance.now() - startedAt) / 1000, outcome.errorCode);
        traced?.ended(outcome);
      },
    };
  }
}
