// The path every GraphQL request takes, in order. Each stage either hands a typed value to the
// next or throws a GatewayError (core/errors.ts) that stage 7 renders; nothing is charged (stage 5)
// or called (stage 6) for a request an earlier stage refused. A GET of a REST endpoint
// (`rest_endpoints`) takes the same path: its stage 1 (rest/stage.ts) makes it a request for the
// endpoint's trusted document, stage 4 binds its query parameters to the variables
// (rest/endpoints.ts), and stage 7 answers the data, ETag and Cache-Control (rest/respond.ts).
//
//   stage        job                                                      code
//   1 http       method, media types, body size, JSON, request fields,    http/stage.ts
//                CSRF, accept (a CORS preflight is answered before it;    http/cors.ts
//                the CORS headers follow stage 3's profile)
//   2 identify   JWT / API key → verified Identity                        auth/authenticator.ts
//   3 client     client profile                                           clients/stage.ts
//   4 document   trusted documents, persisted-only, parse + validate      document/stage.ts
//                (cached), operation, GET-mutation, APQ;
//                estimated cost, max cost                                 cost/stage.ts
//   5 admit      rate and cost quotas (Redis or memory)                   quota/stage.ts
//   6 execute    Apollo Server's pipeline on the validated document,      federation/apollo-server.ts
//                Tollgate's plan executor; actual cost settled            cost/settlement.ts
//   7 respond    status, headers, body, access log                        http/respond.ts,
//                                                                         rest/respond.ts
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from './core/identity.ts';
import type { ApolloServer } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import type { Authentication, Authenticator } from './auth/authenticator.ts';
import type { ClientApp, ClientStage } from './clients/stage.ts';
import { boundedText } from './core/bounded-text.ts';
import { GatewayError, internalError, notReady } from './core/errors.ts';
import type { FetchObserver, RequestContext, SubgraphRequest } from './core/request-context.ts';
import { costChargeOf } from './cost-charge.ts';
import type { QueryPlanSummary } from './core/query-plan-summary.ts';
import type { ExposeOptions } from './explorer-wiring.ts';
import type { CostSettlement } from './cost/settlement.ts';
import type { CostStage } from './cost/stage.ts';
import type { DocumentStage, ValidatedOperation } from './document/stage.ts';
import { executeOperation } from './federation/apollo-server.ts';
import { graphqlStatus, writeGatewayError, writeGraphQLResponse } from './http/respond.ts';
import { CLIENT_CLOSED_REQUEST, clientWentAway, listenerAnswered } from './http/server.ts';
import type { Cors } from './http/cors.ts';
import type { HttpStage } from './http/stage.ts';
import type { AuthFailureLimiter } from './quota/auth-failures.ts';
import type { PolicyOutcome } from './quota/headers.ts';
import type { QuotaStage } from './quota/stage.ts';
import { SubgraphCacheControl, type CachePolicies } from './core/cache-policy.ts';
import type { CompiledEndpoint, RestEndpoints } from './rest/endpoints.ts';
import { writeRestAnswer, writeRestRefusal } from './rest/respond.ts';
import type { RestRequest, RestStage } from './rest/stage.ts';
import { UNKNOWN_LABEL, type GatewayMetrics } from './telemetry/metrics.ts';
import { RequestRecord } from './telemetry/request-record.ts';
import { requestIdFor } from './telemetry/request-id.ts';
import type { RequestTrace, Tracing } from './telemetry/tracing.ts';

/** What runs stages 4 and 6 for one loaded supergraph; replaced as a whole when it changes. */
export interface LoadedGraph {
  /** Which supergraph: the first 16 hex digits of its SDL's SHA-256, and when it was loaded. */
  readonly schemaHash: string;
  readonly loadedAt: Date;
  /** Requests running on this graph now: a graph replaced by a reload is closed once this is 0. */
  inFlight: number;
  document: DocumentStage;
  /** Undefined when neither demand control nor a cost quota needs costs. */
  cost: CostStage | undefined;
  apollo: ApolloServer<RequestContext>;
  /** `rest_endpoints` compiled on this supergraph (rest/endpoints.ts); undefined when none are configured. */
  rest: RestEndpoints | undefined;
  /** Cache-Control of GraphQL GET answers from `@cacheControl` hints; undefined when the supergraph has none. */
  cachePolicies: CachePolicies | undefined;
}

/** The stages, built once at start-up (gateway.ts). */
export interface Stages {
  http: HttpStage;
  identify: Authenticator;
  client: ClientStage;
  /** Undefined until the supergraph is loaded: requests meanwhile get 503. */
  graph: LoadedGraph | undefined;
  /** Undefined when `quotas.rules` is empty. */
  quotas: QuotaStage | undefined;
  /** Stage 2's failed-authentication limiter; undefined when off or no credential is configured. */
  authFailures?: AuthFailureLimiter | undefined;
  /** CORS (`cors`, a profile's `cors`); undefined when no origin is allowed (the default). */
  cors?: Cors | undefined;
  /** Stage 1 of `rest_endpoints` (rest/stage.ts); undefined when none are configured. */
  rest?: RestStage | undefined;
}

export interface PipelineOptions {
  logger: Logger;
  requestIdHeader: string;
  accessLog: boolean;
  /** Prometheus metrics (telemetry/metrics.ts); undefined when `telemetry.metrics.enabled` is false. */
  metrics?: GatewayMetrics | undefined;
  /** Variables whose values the access log shows (`telemetry.logging.variables`); none by default. */
  logVariables: readonly string[];
  /** OpenTelemetry tracing (telemetry/tracing.ts); undefined when `telemetry.tracing.enabled` is false. */
  tracing?: Tracing | undefined;
  /** `authentication.subgraph_headers.profile`: subgraphs learn the profile a request runs under. */
  profileHeader: string;
  /** The explorer's request headers honoured (explorer-wiring.ts); undefined (the explorer off): none, nothing looked at. */
  expose?: ExposeOptions | undefined;
  /** Whether the request skips reading the edge cache (a trusted client's `cache-control: no-cache`: cache/refresh.ts); undefined: never. */
  cacheRefresh?: ((headers: IncomingHttpHeaders, identity: Identity | undefined) => boolean) | undefined;
}

export class Pipeline {
  constructor(
    readonly stages: Stages,
    private readonly options: PipelineOptions,
  ) {}

  /** `restPath`: the REST endpoint (`rest_endpoints.endpoints.<path>`) the listener routed this request to. */
  async handle(req: IncomingMessage, res: ServerResponse, restPath?: string): Promise<void> {
    const startedAt = performance.now();
    const { requestIdHeader, metrics } = this.options;
    const requestId = requestIdFor(req.headers, requestIdHeader);
    // On the response from the start (every answer carries it, also one the listener writes itself
    // for a malformed chunked body or a body timeout: http/server.ts); the stages add their own.
    res.setHeader(requestIdHeader, requestId);
    const cors = this.stages.cors;
    if (cors !== undefined) {
      // A preflight is answered here: no stage runs, nothing is charged (http/cors.ts says which origins).
      if (cors.isPreflight(req)) return cors.preflight(req, res, restPath !== undefined);
      cors.beforeProfile(req, res);
    }
    const gatewayHeaders: Record<string, string> = {};
    // Aborted when the client closes its connection before its answer is written: the subgraph
    // fetches made for it are cancelled (their pooled connections freed at once, not after
    // timeout_ms) and no further ones are sent.
    const clientGone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) clientGone.abort(new DOMException('the client closed its connection', 'AbortError'));
    };
    res.once('close', onClose);
    // The request's spans (a server span, one per stage, planning, Redis, subgraph fetches) when tracing is on.
    const trace = this.options.tracing?.startRequest(req, requestId);
    // What the access log and the metrics say of this request; none of it is kept when both are off.
    const record = this.options.accessLog || metrics ? new RequestRecord(metrics, trace) : undefined;
    if (record && trace) record.traceId = trace.traceId;
    let outcome: string | undefined;
    let settlement: CostSettlement | undefined;
    let loggedStatus: number | undefined;
    let graph: LoadedGraph | undefined;
    // What the explorer asked to see of this request (never looked for with the explorer off).
    const expose = this.options.expose && exposed(req, this.options.expose);
    let queryPlan: QueryPlanSummary | undefined;
    // The client app's own name and version: read once, for the trace and the record.
    let app: ClientApp | undefined;
    try {
      const { http: httpStage, identify, client, quotas } = this.stages;
      const restRequest = restPath === undefined ? undefined : (this.stages.rest as RestStage).run(req, restPath);
      const request = restRequest ?? (await httpStage.run(req)); //                         1 http
      trace?.begin('authenticate');
      const auth = await this.identify(req); //                                             2 identify
      trace?.end();
      const { profile, quotaProfile, policy, source } = client.run(auth.identity, req.headers); // 3 client
      cors?.forProfile(req, res, policy.cors);
      if (record) {
        record.clientId = auth.identity?.clientId;
        record.profile = profile;
      }
      if (trace) trace.client(auth.identity?.clientId, profile, (app = client.app(req.headers)));
      // The supergraph this request runs on to the end, even if a reload swaps in another meanwhile.
      graph = this.stages.graph;
      if (graph === undefined) throw notReady();
      graph.inFlight += 1;
      trace?.begin('validate');
      const endpoint = restRequest && restEndpoint(graph, restRequest); //                  4 document: REST parameters → variables
      const resolved = graph.document.run(request, profile, policy); //                     4 document
      // A promise only for an APQ hash the shared store (Redis) is asked for: no await otherwise.
      const operation = resolved instanceof Promise ? await resolved : resolved;
      if (trace) traceOperation(trace, operation);
      if (trace && graph.cost) trace.begin('cost');
      const estimatedCost = graph.cost?.estimate(operation, policy.max_cost);
      trace?.end(estimatedCost === undefined ? undefined : { 'tollgate.cost.estimated': estimatedCost });
      if (record) recordOperation(record, operation, estimatedCost, this.options.logVariables);
      if (trace && quotas) trace.begin('quota');
      // Counted under the credential's profile: a client-name header chooses policy, never a quota.
      const admitted = quotas && (await admit(quotas, req, auth.identity, quotaProfile, operation.operationName, estimatedCost ?? 0, record, trace)); // 5
      trace?.end();
      if (admitted) Object.assign(gatewayHeaders, admitted.headers);
      if (graph.cost && estimatedCost !== undefined) {
        settlement = graph.cost.settlement(operation, estimatedCost, admitted && quotas ? costChargeOf(quotas.admission, admitted) : undefined, expose?.cost);
      }
      // A cacheable GET's header is narrowed by what the subgraphs' own Cache-Control headers say.
      const subgraphCacheControl = graph.cachePolicies && request.method === 'GET' ? new SubgraphCacheControl() : undefined;
      // The fetch observer: the record (which hands each fetch on to the trace), or the trace alone.
      const observer = record ?? trace;
      const context: RequestContext = { requestId, identity: auth.identity, profile, subgraph: subgraphRequest(auth, profileHeaders(policy.subgraph_headers, this.options.profileHeader, source !== 'fallback' || auth.identity?.profile !== undefined ? profile : undefined), requestIdHeader, requestId, clientGone.signal, observer), planning: trace, exposeQueryPlan: expose?.queryPlan ? (plan) => (queryPlan = plan) : undefined, cacheRefresh: this.options.cacheRefresh?.(req.headers, auth.identity), subgraphCacheControl };
      trace?.begin('execute');
      const executed = await executeOperation(graph.apollo, { //                            6 execute
        query: operation.query,
        operationName: operation.requestedOperationName,
        variables: operation.variables,
        extensions: operation.extensions,
      }, context);
      trace?.end();
      const costExtension = settlement?.settle(executed.result.data ?? undefined);
      if (clientGone.signal.aborted && listenerAnswered(req.socket) === undefined) {
        // Nobody to answer: the fetches were cancelled when it went away (499 = client closed request).
        loggedStatus = this.clientAborted(requestId);
        outcome = CLIENT_ABORTED_CODE;
        return;
      }
      const { data, extensions } = executed.result;
      let errors = executed.result.errors;
      if (errors !== undefined && errors.length > 0) {
        // No data at all: Apollo refused the request (e.g. variables); data, even null: it ran.
        outcome = data === undefined ? errorCodeOf(errors[0]!) : 'ok_with_errors';
        if (record) recordErrors(record, errors);
        errors = withRequestId(errors, requestId);
      }
      if (endpoint !== undefined) {
        writeRestAnswer(res, req.headers['if-none-match'], endpoint, data, errors, gatewayHeaders, requestId, { credentialed: auth.identity !== undefined, varyOn: client.varyOn }); // 7
        return;
      }
      // A GET of a query answered whole may be cached as its fields' @cacheControl hints allow:
      // never `public` with a credential, and varying on the headers that chose its profile.
      // An answer carrying the explorer's extensions (this caller's plan and budget) is never stored by a cache.
      if (expose !== undefined) gatewayHeaders['cache-control'] = 'no-store';
      else if (graph.cachePolicies && request.method === 'GET' && errors === undefined && operation.operation.operation === 'query') {
        const headers = graph.cachePolicies.headers(operation.document, operation.operation, auth.identity !== undefined, client.varyOn);
        Object.assign(gatewayHeaders, subgraphCacheControl ? narrowed(headers, subgraphCacheControl) : headers);
      }
      const body = JSON.stringify({ errors, data, extensions: costExtension || queryPlan ? { ...extensions, cost: costExtension, queryPlan } : extensions }) + '\n';
      writeGraphQLResponse(res, { status: graphqlStatus(executed.status ?? 200, errors, request.responseType), headers: executed.headers, body }, request.responseType, gatewayHeaders); // 7
    } catch (error) {
      loggedStatus = this.renderFailure(res, req, error, gatewayHeaders, requestId, clientGone.signal.aborted, restPath !== undefined);
      outcome = refusalCode(req, error, loggedStatus);
      if (record && outcome !== CLIENT_ABORTED_CODE) record.addErrorCode(outcome);
    } finally {
      res.off('close', onClose);
      if (graph) graph.inFlight -= 1;
      // A request that failed after stage 5 gets its whole estimate back.
      settlement?.settle(undefined);
      const status = loggedStatus ?? (res.destroyed && !res.writableFinished ? CLIENT_CLOSED_REQUEST : res.statusCode);
      trace?.finish(status, outcome ?? 'ok', record?.errorCodes.keys());
      if (record) {
        if (outcome !== undefined) record.outcome = outcome;
        record.actualCost = settlement?.actualCost;
        const seconds = (performance.now() - startedAt) / 1000;
        app ??= this.stages.client.app(req.headers);
        record.clientName = app.name;
        record.clientVersion = app.version;
        if (this.options.accessLog) this.logAccess(req, record, requestId, status, seconds);
        if (metrics) metrics.requestDone(record, seconds);
      }
    }
  }

  /**
   * Stage 2 behind the failed-authentication limiter (quota/auth-failures.ts): a request presenting
   * a credential from an IP over `authentication.failure_limit` gets 429 before anything is
   * verified; a credential refused with 401 counts one failure for its IP. Anonymous requests are
   * neither counted nor held back.
   */
  private async identify(req: IncomingMessage): Promise<Authentication> {
    const { identify, authFailures } = this.stages;
    if (authFailures === undefined || !identify.presentsCredential(req.headers)) return identify.identify(req.headers);
    const ip = authFailures.clientIp(req);
    authFailures.check(ip);
    try {
      return await identify.identify(req.headers);
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'UNAUTHENTICATED') await authFailures.recordFailure(ip);
      throw error;
    }
  }

  /** Writes the refusal; returns the status to access-log when it is not the one on `res`. */
  private renderFailure(
    res: ServerResponse,
    req: IncomingMessage,
    error: unknown,
    gatewayHeaders: Record<string, string>,
    requestId: string,
    clientGone: boolean,
    rest: boolean,
  ): number | undefined {
    let gatewayError: GatewayError;
    // The listener already answered (a malformed chunked body: 400) or the client went away while
    // its request was read: not a gateway fault, nothing more to write (499 = client closed request).
    const listenerAnswer = listenerAnswered(req.socket);
    if (listenerAnswer !== undefined) {
      this.options.logger.info({ requestId, status: listenerAnswer.status, code: listenerAnswer.code }, listenerAnswer.message);
      return listenerAnswer.status;
    }
    // (A refusal of a stage that ran after the client had gone is not worth writing either.)
    if ((clientGone || !(error instanceof GatewayError)) && clientWentAway(req, res)) return this.clientAborted(requestId);
    if (error instanceof GatewayError) {
      gatewayError = error;
    } else {
      this.options.logger.error({ err: error, requestId }, 'unexpected error while handling a request');
      gatewayError = internalError();
    }
    if (res.headersSent) {
      res.destroy();
      return res.statusCode;
    }
    if (rest) writeRestRefusal(res, gatewayError, gatewayHeaders, requestId); //                  7 respond (refused, REST)
    else writeGatewayError(res, gatewayError, req.headers.accept, gatewayHeaders, requestId, req.method); // 7 respond (refused)
    return undefined;
  }

  /** The client went away before its answer was written: info, not an error; access-logged 499. */
  private clientAborted(requestId: string): number {
    this.options.logger.info({ requestId }, 'client aborted');
    return CLIENT_CLOSED_REQUEST;
  }

  /** The access log: one line per request, what the gateway decided and measured (never a credential). */
  private logAccess(req: IncomingMessage, record: RequestRecord, requestId: string, status: number, seconds: number): void {
    this.options.logger.info(
      {
        requestId,
        traceId: record.traceId,
        method: req.method,
        path: req.url?.split('?', 1)[0],
        // The status the client got: 499 when it went away before the answer was written.
        status,
        durationMs: Math.round(seconds * 100_000) / 100,
        clientId: record.clientId,
        clientName: record.clientName,
        clientVersion: record.clientVersion,
        profile: record.profile,
        operationName: record.resolved ? (record.operationName === undefined ? null : boundedText(record.operationName, MAX_LOGGED_NAME_CHARS)) : undefined,
        operationType: record.operationType,
        outcome: record.outcome,
        errorCodes: record.errorCodes.size > 0 ? [...record.errorCodes.keys()] : undefined,
        cost: record.estimatedCost === undefined ? undefined : { estimated: record.estimatedCost, actual: record.actualCost },
        quota: record.quota,
        subgraphFetches: record.subgraphFetches,
        subgraphs: record.subgraphs,
        variables: record.variables,
      },
      'request',
    );
  }
}

/** The explorer's headers on this request: `tollgate-expose-cost: true`, and `tollgate-expose-query-plan: true` where plans may be shown. */
function exposed(req: IncomingMessage, allowed: ExposeOptions): { cost: boolean; queryPlan: boolean } | undefined {
  const cost = allowed.cost && req.headers['tollgate-expose-cost'] === 'true';
  const queryPlan = allowed.queryPlan && req.headers['tollgate-expose-query-plan'] === 'true';
  return cost || queryPlan ? { cost, queryPlan } : undefined;
}

/** Longest client-chosen operation name the access log keeps whole (client names: clients/stage.ts). */
const MAX_LOGGED_NAME_CHARS = 200;
/** Largest allowlisted variable value (as JSON) the access log shows. */
const MAX_LOGGED_VARIABLE_CHARS = 1024;

/** The metrics code of a request whose client went away before its answer was written. */
const CLIENT_ABORTED_CODE = 'client_aborted';

/** Stage 5, with its decision recorded: admitted, limited (429, or a cost no budget fits), store_error (503). */
async function admit(
  quotas: QuotaStage,
  req: IncomingMessage,
  identity: Authentication['identity'],
  quotaProfile: string,
  operationName: string | undefined,
  estimatedCost: number,
  record: RequestRecord | undefined,
  trace: RequestTrace | undefined,
) {
  if (record === undefined) return quotas.admit(req, identity, quotaProfile, operationName, estimatedCost, trace);
  try {
    const admitted = await quotas.admit(req, identity, quotaProfile, operationName, estimatedCost, trace);
    const tightest = tightestPolicy(admitted.outcomes);
    record.quota = { decision: 'admitted', policy: tightest?.policy, remaining: tightest?.state.remaining };
    return admitted;
  } catch (error) {
    const code = error instanceof GatewayError ? error.code : undefined;
    const limited = code === 'RATE_LIMITED' || code === 'COST_EXCEEDS_QUOTA';
    const policy = limited ? (error as GatewayError).extensions['policy'] : undefined;
    record.quota = limited ? { decision: 'limited', policy: typeof policy === 'string' ? policy : undefined, remaining: 0 } : { decision: 'store_error' };
    throw error;
  }
}

/** The policy with the smallest share of its bucket left. */
function tightestPolicy(outcomes: readonly PolicyOutcome[]): PolicyOutcome | undefined {
  let tightest: PolicyOutcome | undefined;
  for (const outcome of outcomes) {
    if (tightest === undefined || outcome.state.remaining / outcome.state.capacity < tightest.state.remaining / tightest.state.capacity) tightest = outcome;
  }
  return tightest;
}

/** Stage 4 of a REST request: its endpoint on this graph, its variables bound from the query string. */
function restEndpoint(graph: LoadedGraph, request: RestRequest): CompiledEndpoint {
  if (graph.rest === undefined) throw new GatewayError('NOT_FOUND', `No route for ${request.rest.path}`);
  return graph.rest.bind(request);
}

/** Stage 4's facts: the operation, its estimate, and the variables `telemetry.logging.variables` names. */
function recordOperation(record: RequestRecord, operation: ValidatedOperation, estimatedCost: number | undefined, logVariables: readonly string[]): void {
  record.resolved = true;
  record.operationName = operation.operationName;
  record.operationType = operation.operation.operation;
  record.estimatedCost = estimatedCost;
  if (logVariables.length === 0 || operation.variables === undefined) return;
  for (const name of logVariables) {
    if (!Object.hasOwn(operation.variables, name)) continue;
    record.variables ??= {};
    const value = operation.variables[name];
    // A client picks the value: a large one is logged as its size, so a log line stays bounded.
    const size = JSON.stringify(value)?.length ?? 0;
    record.variables[name] = size > MAX_LOGGED_VARIABLE_CHARS ? `[${size} characters, not logged]` : value;
  }
}

/** The result's error codes. */
function recordErrors(record: RequestRecord, errors: readonly GraphQLFormattedError[]): void {
  for (const error of errors) record.addErrorCode(errorCodeOf(error));
}

/** Stage 4's operation on the server span (its name becomes e.g. `query GetProducts`); ends the validate span. */
function traceOperation(trace: RequestTrace, operation: ValidatedOperation): void {
  trace.end();
  trace.operation(operation.operationName, operation.operation.operation);
}

/** Every error names the request id, so a client's bug report leads to the gateway's log lines. */
function withRequestId(errors: readonly GraphQLFormattedError[], requestId: string): GraphQLFormattedError[] {
  return errors.map((error) => ({ ...error, extensions: { ...error.extensions, requestId } }));
}

/** A GraphQL error's `extensions.code`, or `unknown`. */
function errorCodeOf(error: { extensions?: Record<string, unknown> | undefined }): string {
  const code = error.extensions?.['code'];
  return typeof code === 'string' ? code : UNKNOWN_LABEL;
}

/** The metrics code of a refused request: its error's code, the listener's answer, or client_aborted. */
function refusalCode(req: IncomingMessage, error: unknown, loggedStatus: number | undefined): string {
  const listenerAnswer = listenerAnswered(req.socket);
  if (listenerAnswer !== undefined) return listenerAnswer.code;
  if (loggedStatus === CLIENT_CLOSED_REQUEST) return CLIENT_ABORTED_CODE;
  return error instanceof GatewayError ? error.code : 'INTERNAL_SERVER_ERROR';
}

/**
 * A profile's `subgraph_headers`, and the profile header naming the profile the credential or the
 * client-name header chose (it replaces the credential's own, which may name a profile not listed).
 */
/** A GET answer's caching headers with its cache-control narrowed by the subgraphs' (no `vary` once it is no-store). */
function narrowed(headers: Readonly<Record<string, string>>, subgraphs: SubgraphCacheControl): Readonly<Record<string, string>> {
  const cacheControl = headers['cache-control'];
  if (cacheControl === undefined) return headers;
  const narrow = subgraphs.narrow(cacheControl);
  if (narrow === cacheControl) return headers;
  return narrow === 'no-store' ? { 'cache-control': narrow } : { ...headers, 'cache-control': narrow };
}

function profileHeaders(own: Readonly<Record<string, string>>, header: string, profile: string | undefined): Readonly<Record<string, string>> {
  return profile === undefined ? own : { ...own, [header]: profile };
}

/**
 * The headers this request's subgraph fetches send (identity headers and the request id), and the
 * signal that cancels them when the client goes away.
 */
function subgraphRequest(
  auth: Awaited<ReturnType<Authenticator['identify']>>,
  profileHeaders: Readonly<Record<string, string>>,
  requestIdHeader: string,
  requestId: string,
  signal: AbortSignal,
  observer: FetchObserver | undefined,
): SubgraphRequest {
  // A profile's own headers never collide with the identity headers (config refuses it).
  const common = { ...auth.subgraphHeaders, ...profileHeaders, [requestIdHeader]: requestId };
  const perSubgraph = auth.subgraphHeadersFor;
  if (perSubgraph === undefined) return { requestId, signal, observer, headersFor: () => common };
  return { requestId, signal, observer, headersFor: (name) => ({ ...perSubgraph(name), ...profileHeaders, [requestIdHeader]: requestId }) };
}
