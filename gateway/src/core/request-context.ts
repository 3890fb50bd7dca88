import type { Identity } from './identity.ts';
import type { QueryPlanSummary } from './query-plan-summary.ts';

/**
 * What one request carries from stage to stage and into execution (Apollo Server's contextValue).
 * Built by the pipeline after stage 3; every field is set by the gateway, never copied from the
 * client.
 */
export interface RequestContext {
  readonly requestId: string;
  /** Stage 2's verified caller; undefined when anonymous. */
  readonly identity: Identity | undefined;
  /** Stage 3's client profile (`anonymous`, `default`, or an API key's / token's profile). */
  readonly profile: string;
  /** The subgraph view of this request: what the data source needs, nothing more. */
  readonly subgraph: SubgraphRequest;
  /** Told when the executor looks up or builds this request's query plan (tracing); undefined when nothing watches. */
  readonly planning?: PlanObserver | undefined;
  /** Given this request's query plan (`tollgate-expose-query-plan`, development only); undefined: nobody asked. */
  readonly exposeQueryPlan?: ((plan: QueryPlanSummary) => void) | undefined;
  /**
   * The edge cache is not read for this request, only written (a trusted client's `cache-control:
   * no-cache`: `cache.no_cache_clients`); undefined or false: read as usual.
   */
  readonly cacheRefresh?: boolean | undefined;
  /** Told every subgraph `Cache-Control` response header Tollgate's executor sees (a GET answer's header is narrowed by them); undefined: nobody asks. */
  readonly subgraphCacheControl?: { seen(header: string): void } | undefined;
}

/**
 * Watches the planning of one request (Tollgate's executor: the plan cache look-up, and the plan
 * built and compiled on a miss). Structural, so the executor needs no telemetry import.
 */
export interface PlanObserver {
  planStarted(): PlanWatch;
}

export interface PlanWatch {
  /** The plan is ready (`cached`: it came from the plan cache) with `fetches` fetch nodes; or planning threw (`error`). */
  ended(outcome: { readonly cached: boolean; readonly fetches: number | undefined; readonly error?: string | undefined }): void;
}

/**
 * Watches the quota store's round trips to Redis made for one request (tracing): passed through
 * stage 5 to the store; the memory store makes none. Structural, so quota/ needs no telemetry import.
 */
export interface RoundTripObserver {
  /** A round trip starts (`gcra`: one script call); the returned function is called once it is over. */
  roundTripStarted(command: string): (failed: boolean) => void;
}

/** What a subgraph fetch needs of the request it serves. */
export interface SubgraphRequest {
  /** The client request's id: subgraph problems are logged with it. */
  readonly requestId: string;
  /**
   * Aborted when the client closes its connection before its answer is written: the subgraph
   * fetches made for it are cancelled (their pooled connections freed) and no more are sent.
   * Undefined for fetches made outside a client request.
   */
  readonly signal?: AbortSignal;
  /**
   * The headers every fetch to `subgraph` sends: the verified identity, the request id, and the
   * raw token only for subgraphs in `authentication.forward_authorization`.
   */
  headersFor(subgraph: string): Readonly<Record<string, string>>;
  /** Told of every fetch made for this request (telemetry); undefined when nothing watches. */
  readonly observer?: FetchObserver | undefined;
}

/**
 * Watches one request's subgraph fetches: the access log counts them, the metrics time them, the
 * tracer gives each a span. Structural, so the data source needs no telemetry import.
 */
export interface FetchObserver {
  /**
   * A fetch to `subgraph` starts: one per subgraph request (entity fetches batched into one
   * request are one fetch), retries included.
   */
  fetchStarted(subgraph: string): FetchWatch;
}

export interface FetchWatch {
  /** Headers every attempt of this fetch also sends (W3C `traceparent`), or undefined. */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** An attempt is sent to `url` (the instance chosen for it); called before each attempt, retries included. */
  attempt?(url: string): void;
  /** The fetch is over: the subgraph's HTTP status when it answered, the error code when it failed. */
  ended(outcome: FetchOutcome): void;
}

export interface FetchOutcome {
  /** The last attempt's HTTP status; undefined when no answer came (timeout, refused, breaker). */
  readonly status: number | undefined;
  /** The failure's `extensions.code` (SUBGRAPH_TIMEOUT, ...); undefined when an answer came. */
  readonly errorCode: string | undefined;
}
