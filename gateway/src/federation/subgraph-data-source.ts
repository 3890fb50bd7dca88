import { Pool } from 'undici';
import { GraphQLError } from 'graphql';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Logger } from 'pino';
import type { SubgraphTraffic } from './config.ts';
import { BodyError, readBody } from './read-body.ts';
import { FetchCancellation, SharedCancellation, sleepUnlessAborted, untilAborted } from './resilience/cancellation.ts';
import { CircuitBreaker, type BreakerState, type BreakerTicket } from './resilience/circuit-breaker.ts';
import { InstanceSet, SubgraphInstance } from './resilience/instances.ts';
import { operationKindOf, type OperationKind } from './resilience/operation-kind.ts';
import { RetryBudget } from './resilience/retry-budget.ts';
import { InFlightTable } from './resilience/in-flight.ts';
import { MAX_ERRORS_PER_SUBGRAPH_RESPONSE, maskSubgraphErrors } from './subgraph-error-masking.ts';
import type { FetchWatch, SubgraphRequest } from '../core/request-context.ts';

/** A subgraph's answer before parsing: what deduplicated fetches share (each waiter parses its own copy). */
interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  /** The subgraph's `cache-control` response header, when it sent one (the edge cache reads it). */
  cacheControl?: string | undefined;
}

/** One attempt's result: an answer (maybe one worth retrying) or a failure. */
interface AttemptOutcome {
  raw: RawResponse | undefined;
  error: GraphQLError | undefined;
  /** Connection error, 502/503/504, or 429 (with `retryAfterMs` when it said). */
  retryable: boolean;
  /** For the breaker and outlier detection: false on connection errors, timeouts and 5xx. */
  healthy: boolean;
  retryAfterMs: number | undefined;
  /** Cancelled because the client went away: says nothing about the subgraph, never retried. */
  clientAborted?: true;
}

/** An identical query fetch in flight (deduplicate_query) and who still waits for it. */
interface SharedFetch {
  readonly promise: Promise<RawResponse>;
  readonly cancellation: SharedCancellation;
}

/** Counters per subgraph since start (FederationGateway.subgraphHealth). */
export interface SubgraphStats {
  /** Fetches asked of the data source (deduplicated ones included). */
  fetches: number;
  /** Requests actually sent upstream, retries included. */
  attempts: number;
  retries: number;
  /** Retries the retry budget refused. */
  retriesDenied: number;
  /** Fetches refused at once because the breaker was open (SUBGRAPH_CIRCUIT_OPEN). */
  circuitOpenRejections: number;
  /** Fetches that joined an identical one in flight instead of sending their own. */
  deduplicated: number;
  /** Fetches given up because the client closed its connection (the upstream request cancelled). */
  clientAborts: number;
}

export interface InstanceHealth {
  /** Position in the subgraph's URL list (URLs are not shown: /ready may be public). */
  instance: number;
  ejected: boolean;
  inFlight: number;
  consecutiveFailures: number;
  ejections: number;
}

export interface SubgraphHealth {
  /** `disabled` when the subgraph has no circuit breaker. */
  breaker: BreakerState | 'disabled';
  /** False while the breaker is open or every instance is ejected. */
  healthy: boolean;
  instances: InstanceHealth[];
  stats: SubgraphStats;
}

export interface SubgraphDataSourceOptions {
  /** The request-id header (`telemetry.request_id_header`): left out of the deduplication key. */
  requestIdHeader?: string | undefined;
}

/** Statuses a query is retried on: the upstream said "not now", not "no". */
const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/**
 * Sends one query-plan fetch to one subgraph over pooled keep-alive connections (undici Pool per
 * instance origin). Replaces Apollo's RemoteGraphQLDataSource, which builds a node-fetch Request
 * per call. On the way: the circuit breaker (fail fast while open), deduplication of identical
 * query fetches in flight (opt-in), the choice of instance (least in flight, outliers ejected),
 * retries of queries within the retry budget and the fetch's deadline, and the body read up to
 * `maxResponseBytes` after decompression. Network failures become GraphQL errors with stable codes
 * and no hostnames in the message, and the subgraph's own errors are masked here, before either
 * executor sees them: the unmasked ones go to the log with the request id.
 */
export class SubgraphDataSource implements GraphQLDataSource<{ subgraph?: SubgraphRequest }> {
  readonly stats: SubgraphStats = { fetches: 0, attempts: 0, retries: 0, retriesDenied: 0, circuitOpenRejections: 0, deduplicated: 0, clientAborts: 0 };
  private readonly instances: InstanceSet;
  private readonly breaker: CircuitBreaker | undefined;
  private readonly budget: RetryBudget | undefined;
  private readonly inFlight = new InFlightTable<SharedFetch>();
  private readonly baseHeaders: Readonly<Record<string, string>>;
  private readonly requestIdHeader: string | undefined;
  private healthTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    urls: readonly string[],
    pools: SubgraphPools,
    private readonly traffic: SubgraphTraffic,
    private readonly logger: Logger,
    options: SubgraphDataSourceOptions = {},
  ) {
    this.instances = new InstanceSet(
      urls.map((url, index) => new SubgraphInstance(index, url, pools.get(url, traffic))),
      traffic.outlier,
    );
    this.breaker = traffic.breaker && new CircuitBreaker(traffic.breaker);
    this.budget = traffic.retry && new RetryBudget(traffic.retry);
    this.baseHeaders = Object.freeze(traffic.compression ? { ...BASE_HEADERS, 'accept-encoding': 'gzip, br' } : BASE_HEADERS);
    this.requestIdHeader = options.requestIdHeader?.toLowerCase();
    if (traffic.healthCheck && urls.length > 1) {
      this.healthTimer = setInterval(() => void this.checkEjected(), traffic.healthCheck.intervalMs);
      this.healthTimer.unref();
    }
  }

  /** `batch_entity_fetches`: read by Tollgate's executor when it compiles a plan. */
  get batchEntityFetches(): boolean {
    return this.traffic.batchEntityFetches;
  }

  async process(options: GraphQLDataSourceProcessOptions<{ subgraph?: SubgraphRequest }>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
    });
    return this.send(body, options.context.subgraph, operationKindOf(request.query ?? ''));
  }

  /**
   * Posts an already serialized GraphQL request body: Tollgate's executor builds bodies from
   * cached pieces (and knows each fetch's operation kind from its plan), Apollo's goes through
   * process() above. Both end here. `request` is undefined only for fetches made outside a client
   * request (none today). Only a `query` is ever retried or deduplicated.
   */
  async send(body: string, request: SubgraphRequest | undefined, kind: OperationKind = 'mutation'): Promise<GatewayGraphQLResponse> {
    this.stats.fetches++;
    const signal = request?.signal;
    if (signal?.aborted) {
      // The client is gone (a later stage of its plan): nothing is sent.
      this.stats.clientAborts++;
      throw this.clientAborted();
    }
    const extra = request?.headersFor(this.name);
    const watch = request?.observer?.fetchStarted(this.name);
    // The watcher's headers (traceparent) are sent but not part of the deduplication key: extra is.
    const headers = extra || watch?.headers ? { ...this.baseHeaders, ...extra, ...watch?.headers } : this.baseHeaders;
    const query = kind === 'query';
    let raw: RawResponse;
    try {
      raw = query && this.traffic.deduplicateQuery ? await this.fetchShared(body, headers, extra, signal, watch) : await this.fetch(body, headers, query, signal, watch);
    } catch (error) {
      if (signal?.aborted && isClientAborted(error)) this.stats.clientAborts++;
      watch?.ended({ status: undefined, errorCode: errorCodeOf(error) });
      throw error;
    }
    if (watch === undefined) return withCacheControl(this.parseResponse(raw.status, raw.contentType, raw.text, request), raw.cacheControl);
    try {
      const response = withCacheControl(this.parseResponse(raw.status, raw.contentType, raw.text, request), raw.cacheControl);
      watch.ended({ status: raw.status, errorCode: undefined });
      return response;
    } catch (error) {
      watch.ended({ status: raw.status, errorCode: errorCodeOf(error) });
      throw error;
    }
  }

  /**
   * A query fetch shared with identical ones in flight (deduplicate_query). A waiter whose client
   * goes away stops waiting at once; the upstream request is cancelled only when every waiter's
   * client has gone (and a new identical fetch then sends its own).
   */
  private async fetchShared(
    body: string,
    headers: Record<string, string>,
    extra: Readonly<Record<string, string>> | undefined,
    signal: AbortSignal | undefined,
    watch: FetchWatch | undefined,
  ): Promise<RawResponse> {
    const headersKey = this.dedupHeadersKey(extra);
    let shared = this.inFlight.get(headersKey, body);
    let waiting: Promise<RawResponse>;
    if (shared) {
      this.stats.deduplicated++;
      // Each waiter gets its own error object: executors attach paths and locations to errors.
      waiting = shared.promise.catch((error: unknown) => {
        throw error instanceof GraphQLError ? new GraphQLError(error.message, { extensions: error.extensions }) : error;
      });
    } else {
      const cancellation = new SharedCancellation();
      // The first waiter's watch sees the attempts (its traceparent is the one sent); the others send nothing.
      const entry: SharedFetch = { promise: this.fetch(body, headers, true, cancellation.controller.signal, watch), cancellation };
      shared = entry;
      this.inFlight.set(headersKey, body, entry);
      const forget = () => this.inFlight.deleteIf(headersKey, body, entry);
      entry.promise.then(forget, forget);
      waiting = entry.promise;
    }
    const entry = shared;
    const leave = entry.cancellation.join(signal, () => this.inFlight.deleteIf(headersKey, body, entry));
    try {
      return await untilAborted(waiting, signal, () => this.clientAborted());
    } finally {
      leave();
    }
  }

  /** Breaker state, instances and counters (FederationGateway.subgraphHealth). */
  health(): SubgraphHealth {
    const now = Date.now();
    const breaker = this.breaker ? this.breaker.currentState : 'disabled';
    const instances = this.instances.instances.map((instance) => ({
      instance: instance.index,
      ejected: instance.isEjected(now),
      inFlight: instance.inFlight,
      consecutiveFailures: instance.consecutiveFailures,
      ejections: instance.ejectedTotal,
    }));
    const anyUp = this.instances.instances.length === 1 || instances.some((instance) => !instance.ejected);
    return { breaker, healthy: breaker !== 'open' && anyUp, instances, stats: { ...this.stats } };
  }

  /** Stops the active health check (the pools are closed by SubgraphPools). */
  close(): void {
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = undefined;
  }

  /**
   * The same body for the same identity: every header the gateway sets for this subgraph except
   * the request id, which differs per client request (the shared upstream request carries the
   * first one's).
   */
  private dedupHeadersKey(extra: Readonly<Record<string, string>> | undefined): string {
    let key = '';
    if (extra) {
      for (const name in extra) {
        if (name.toLowerCase() !== this.requestIdHeader) key += `${name}\u0001${extra[name]}\u0000`;
      }
    }
    return key;
  }

  /**
   * One fetch: attempts until an answer that is not worth retrying, or no retry is allowed (not a
   * query, attempts used up, budget spent, breaker open, deadline too close, client gone). The
   * deadline (`timeoutMs`) covers every attempt and every backoff, bodies included; `signal` (the
   * client request's) cancels the upstream request as soon as the client goes away, and a
   * cancelled attempt is neither retried nor counted against the subgraph.
   */
  private async fetch(
    body: string,
    headers: Record<string, string>,
    retryable: boolean,
    signal: AbortSignal | undefined,
    watch: FetchWatch | undefined,
  ): Promise<RawResponse> {
    const timeoutMs = this.traffic.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const cancellation = new FetchCancellation(timeoutMs, signal);
    const retry = retryable ? this.traffic.retry : undefined;
    if (retry) this.budget?.deposit();
    try {
      let previous: SubgraphInstance | undefined;
      let last: AttemptOutcome | undefined;
      for (let attempt = 1; ; attempt++) {
        if (cancellation.clientGone) throw this.clientAborted();
        const ticket: BreakerTicket = this.breaker ? this.breaker.acquire() : 'call';
        if (ticket === undefined) {
          if (last) return this.settle(last);
          this.stats.circuitOpenRejections++;
          throw this.error(`Subgraph "${this.name}" is unavailable: its circuit breaker is open`, 'SUBGRAPH_CIRCUIT_OPEN');
        }
        const instance = this.instances.pick(previous);
        watch?.attempt?.(instance.url);
        const outcome = await this.attempt(instance, body, headers, cancellation);
        if (outcome.clientAborted) {
          // Nobody's failure: the breaker and outlier detection do not count it.
          this.breaker?.release(ticket);
          return this.settle(outcome);
        }
        if (this.breaker) this.breaker.record(ticket, outcome.healthy);
        if (outcome.healthy) this.instances.succeeded(instance);
        else this.instances.failed(instance);

        const delay = outcome.retryable && retry && ticket === 'call' && attempt < retry.maxAttempts ? this.retryDelay(outcome, attempt, deadline) : undefined;
        if (delay === undefined || this.breaker?.currentState === 'open') return this.settle(outcome);
        if (cancellation.clientGone) throw this.clientAborted();
        if (!this.budget!.tryWithdraw()) {
          this.stats.retriesDenied++;
          return this.settle(outcome);
        }
        this.stats.retries++;
        if (delay > 0) await sleepUnlessAborted(delay, cancellation.signal);
        previous = instance;
        last = outcome;
      }
    } finally {
      cancellation.dispose();
    }
  }

  /** The wait before the next attempt, or undefined when it would not fit before the deadline. */
  private retryDelay(outcome: AttemptOutcome, attempt: number, deadline: number): number | undefined {
    const retry = this.traffic.retry!;
    let delay: number;
    if (outcome.raw?.status === 429) {
      // Honoured up to the cap; a longer or missing Retry-After is not worth waiting for here.
      if (outcome.retryAfterMs === undefined || outcome.retryAfterMs > retry.maxRetryAfterMs) return undefined;
      delay = outcome.retryAfterMs;
    } else {
      // Full jitter (AWS's "Exponential Backoff and Jitter"): uniform in [0, base × 2^(n-1)].
      delay = Math.random() * Math.min(retry.backoffMaxMs, retry.backoffBaseMs * 2 ** (attempt - 1));
    }
    // The next attempt needs some time of its own too: at least as long as the wait.
    return Date.now() + 2 * delay + 1 < deadline ? Math.round(delay) : undefined;
  }

  private settle(outcome: AttemptOutcome): RawResponse {
    if (outcome.raw) return outcome.raw;
    throw outcome.error!;
  }

  private async attempt(instance: SubgraphInstance, body: string, headers: Record<string, string>, cancellation: FetchCancellation): Promise<AttemptOutcome> {
    this.stats.attempts++;
    instance.inFlight++;
    try {
      const response = await instance.pool.request({ method: 'POST', path: instance.path, headers, body, signal: cancellation.signal });
      const status = response.statusCode;
      const contentType = String(response.headers['content-type'] ?? '');
      const text = await readBody(response, this.traffic.maxResponseBytes, () => cancellation.refuse());
      const cacheControl = response.headers['cache-control'];
      return {
        raw: { status, contentType, text, cacheControl: typeof cacheControl === 'string' ? cacheControl : undefined },
        error: undefined,
        retryable: RETRY_STATUSES.has(status),
        healthy: status < 500,
        retryAfterMs: status === 429 ? retryAfterMs(response.headers['retry-after']) : undefined,
      };
    } catch (error) {
      if (error instanceof BodyError) {
        // The subgraph is up; what it sent is refused. Not retried: it would send the same.
        const graphQLError =
          error.reason === 'too_large'
            ? this.error(`Subgraph "${this.name}" sent a response larger than ${this.traffic.maxResponseBytes} bytes`, 'SUBGRAPH_RESPONSE_TOO_LARGE')
            : this.error(`Subgraph "${this.name}" sent a response that cannot be decoded`, 'SUBGRAPH_BAD_RESPONSE');
        return { raw: undefined, error: graphQLError, retryable: false, healthy: true, retryAfterMs: undefined };
      }
      if (cancellation.clientGone) {
        return { raw: undefined, error: this.clientAborted(), retryable: false, healthy: true, retryAfterMs: undefined, clientAborted: true };
      }
      if (cancellation.signal.aborted) {
        const timeout = this.error(`Subgraph "${this.name}" did not answer within ${this.traffic.timeoutMs} ms`, 'SUBGRAPH_TIMEOUT');
        return { raw: undefined, error: timeout, retryable: false, healthy: false, retryAfterMs: undefined };
      }
      const unavailable = this.error(`Subgraph "${this.name}" is unavailable`, 'SUBGRAPH_UNAVAILABLE', {
        cause: (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown',
      });
      return { raw: undefined, error: unavailable, retryable: true, healthy: false, retryAfterMs: undefined };
    } finally {
      instance.inFlight--;
    }
  }

  /** Active health check: a `{ __typename }` query to each ejected instance; an answer brings it back. */
  private async checkEjected(): Promise<void> {
    const check = this.traffic.healthCheck!;
    const now = Date.now();
    await Promise.all(
      this.instances.instances
        .filter((instance) => instance.isEjected(now))
        .map(async (instance) => {
          try {
            const response = await instance.pool.request({
              method: 'POST',
              path: instance.path,
              headers: BASE_HEADERS,
              body: HEALTH_CHECK_BODY,
              signal: AbortSignal.timeout(check.timeoutMs),
            });
            const text = await readBody(response, 64 * 1024, () => {});
            if (response.statusCode === 200 && text.includes('"__typename"')) this.instances.healthy(instance);
          } catch {
            // Still down: stays ejected until its time is up.
          }
        }),
    );
  }

  private parseResponse(status: number, contentType: string, text: string, request: SubgraphRequest | undefined): GatewayGraphQLResponse {
    const isJson = contentType.includes('json');
    let parsed: unknown;
    if (isJson) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw this.error(`Subgraph "${this.name}" sent a response that is not valid JSON`, 'SUBGRAPH_BAD_RESPONSE');
      }
    }
    // A GraphQL-over-HTTP subgraph may answer 4xx with a well-formed GraphQL body: keep its errors.
    if (isGraphQLResponse(parsed)) return parsed.errors === undefined ? parsed : this.withMaskedErrors(parsed, request);
    if (status < 200 || status > 299) {
      throw this.error(`Subgraph "${this.name}" answered HTTP ${status}`, 'SUBGRAPH_HTTP_ERROR', { status });
    }
    throw this.error(`Subgraph "${this.name}" sent a response that is not a GraphQL response`, 'SUBGRAPH_BAD_RESPONSE');
  }

  /** The response with its errors masked and capped; the unmasked ones (capped too) logged at warn. */
  private withMaskedErrors(response: GatewayGraphQLResponse, request: SubgraphRequest | undefined): GatewayGraphQLResponse {
    const errors: unknown = response.errors;
    if (!Array.isArray(errors)) {
      throw this.error(`Subgraph "${this.name}" sent a response that is not a GraphQL response`, 'SUBGRAPH_BAD_RESPONSE');
    }
    if (errors.length === 0) return response;
    this.logger.warn(
      {
        requestId: request?.requestId,
        serviceName: this.name,
        errorCount: errors.length,
        errors: errors.length > MAX_ERRORS_PER_SUBGRAPH_RESPONSE ? errors.slice(0, MAX_ERRORS_PER_SUBGRAPH_RESPONSE) : errors,
      },
      'subgraph returned errors',
    );
    return { ...response, errors: maskSubgraphErrors(errors, this.name, this.traffic) };
  }

  /** The client closed its connection: the fetch was not made, or cancelled. Nobody reads this answer. */
  private clientAborted(): GraphQLError {
    return this.error(`The request to subgraph "${this.name}" was cancelled: the client closed its connection`, CLIENT_CLOSED_REQUEST);
  }

  private error(message: string, code: string, detail: Record<string, unknown> = {}): GraphQLError {
    return new GraphQLError(message, { extensions: { code, serviceName: this.name, ...detail } });
  }
}

/** `Retry-After` in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const CLIENT_CLOSED_REQUEST = 'CLIENT_CLOSED_REQUEST';

function isClientAborted(error: unknown): boolean {
  return error instanceof GraphQLError && error.extensions['code'] === CLIENT_CLOSED_REQUEST;
}

const HEALTH_CHECK_BODY = '{"query":"{ __typename }"}';

// Never mutated: undici reads request headers without changing them.
const BASE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  accept: 'application/json',
});

function isGraphQLResponse(value: unknown): value is GatewayGraphQLResponse {
  return typeof value === 'object' && value !== null && ('data' in value || 'errors' in value);
}

/** One keep-alive pool per subgraph origin, shared by the data sources and instances that point at it. */
export class SubgraphPools {
  private readonly pools = new Map<string, Pool>();

  get(url: string, traffic: SubgraphTraffic): Pool {
    const origin = new URL(url).origin;
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: traffic.maxConnections, pipelining: 1, keepAliveTimeout: 30_000 });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}

/** The answer with the subgraph's `cache-control` header as its `http.headers` (read by the edge cache), when there was one. */
function withCacheControl(response: GatewayGraphQLResponse, cacheControl: string | undefined): GatewayGraphQLResponse {
  if (cacheControl === undefined) return response;
  return { ...response, http: { headers: new Headers({ 'cache-control': cacheControl }) } };
}

/** A fetch failure's `extensions.code` (the data source's errors all have one). */
function errorCodeOf(error: unknown): string {
  const code = error instanceof GraphQLError ? error.extensions['code'] : undefined;
  return typeof code === 'string' ? code : 'SUBGRAPH_UNAVAILABLE';
}
