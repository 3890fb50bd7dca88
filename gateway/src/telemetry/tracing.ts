// Tracing with OpenTelemetry (`telemetry.tracing`): one tracer provider per running gateway (never
// the global one: tests run several gateways in one process, and @apollo/gateway's own spans stay
// no-ops), a server span per request with a child span per stage, the quota's Redis round trip,
// planning and each subgraph fetch, parents passed explicitly (no context manager). W3C trace
// context is read from the client (trusted or only linked) and sent to every subgraph fetch as the
// fetch span's `traceparent`. Spans go out in batches over OTLP/HTTP (JSON); the queue is bounded,
// every export has a deadline, and what is exported, dropped or failed is counted for /metrics.
// Off (the default), none of this is built: the pipeline checks one `undefined`.
import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type Span as SdkSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { FetchObserver, FetchOutcome, FetchWatch, PlanObserver, PlanWatch, RoundTripObserver } from '../core/request-context.ts';
import type { TracingConfig } from './config.ts';

// GraphQL's attributes are still "development" in the semantic conventions (not in the stable export).
const ATTR_GRAPHQL_OPERATION_NAME = 'graphql.operation.name';
const ATTR_GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';

/** Longest operation name put in a span name (the attribute is capped by the span limits). */
const MAX_NAME_IN_SPAN_NAME = 128;
/** Longest attribute value kept (user agent, operation name, URL): spans stay bounded. */
const MAX_ATTRIBUTE_LENGTH = 1024;
/** At most one warning about failed exports or dropped spans per this many ms. */
const WARN_INTERVAL_MS = 30_000;
/** Shutdown waits for the last flush at most this long (or `otlp.timeout_ms`, when shorter). */
const SHUTDOWN_WAIT_MS = 5000;

/** The stage spans, in pipeline order (named as they appear in a trace). */
export const STAGE_SPANS = {
  authenticate: 'tollgate.authenticate',
  validate: 'graphql.validate',
  cost: 'tollgate.cost',
  quota: 'tollgate.quota',
  execute: 'graphql.execute',
} as const;
export type TraceStage = keyof typeof STAGE_SPANS;

/** Counters since start, read by /metrics at scrape time. */
export interface TracingStats {
  /** Spans the collector accepted (a 2xx answer). */
  exported: number;
  /** Spans dropped because the export queue was full (`batch.max_queue_size`). */
  droppedQueueFull: number;
  /** Spans lost with an export that failed (refused, unreachable, past `otlp.timeout_ms`). */
  droppedExportFailed: number;
  /** Export requests that failed. */
  exportFailures: number;
}

export interface TracingOptions {
  logger: Logger;
  /** The GraphQL endpoint's path (`server.graphql_path`): the server span's `http.route`. */
  graphqlPath: string;
  /** Where Redis is (`redis.url`), for the round-trip spans' `server.address` / `server.port`. */
  redis?: { address: string; port: number } | undefined;
}

/**
 * The tracer of one running gateway. `create` returns undefined when tracing is off, so the
 * pipeline's whole cost is then an `undefined` check.
 */
export class Tracing {
  readonly stats: TracingStats = { exported: 0, droppedQueueFull: 0, droppedExportFailed: 0, exportFailures: 0 };
  readonly tracer: Tracer;
  readonly propagator = new W3CTraceContextPropagator();
  readonly trustIncoming: boolean;
  readonly graphqlPath: string;
  readonly redis: { address: string; port: number } | undefined;
  readonly #provider: BasicTracerProvider;
  readonly #connections = new ExportConnections();
  readonly #timeoutMs: number;
  readonly #logger: Logger;
  #lastWarn = -Infinity;
  #unwarned = { failures: 0, queueFull: 0 };
  #shutdown: Promise<void> | undefined;

  static create(config: TracingConfig, options: TracingOptions): Tracing | undefined {
    return config.enabled ? new Tracing(config, options) : undefined;
  }

  private constructor(config: TracingConfig, options: TracingOptions) {
    this.trustIncoming = config.propagation.trust_incoming;
    this.graphqlPath = options.graphqlPath;
    this.redis = options.redis;
    this.#timeoutMs = config.otlp.timeout_ms;
    this.#logger = options.logger.child({ component: 'tracing' });
    const otlp = new OTLPTraceExporter({
      url: config.otlp.endpoint!,
      headers: { ...config.otlp.headers },
      timeoutMillis: config.otlp.timeout_ms,
      // The exporter types its option as an enum of the same two strings (none, gzip).
      compression: config.otlp.compression as never,
      // Agents of our own, so that shutdown can cut a hanging export's socket.
      httpAgentOptions: (protocol: string) => this.#connections.agent(protocol),
    });
    const exporter = new CountingExporter(otlp, config.otlp.timeout_ms, this);
    const batches = new BatchSpanProcessor(exporter, {
      maxQueueSize: config.batch.max_queue_size,
      maxExportBatchSize: config.batch.max_export_batch_size,
      scheduledDelayMillis: config.batch.scheduled_delay_ms,
      // CountingExporter gives up at timeout_ms; the processor's own bound only backs it up.
      exportTimeoutMillis: config.otlp.timeout_ms + 1000,
    });
    this.#provider = new BasicTracerProvider({
      resource: defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.service_name })),
      sampler: samplerOf(config.sampler),
      spanProcessors: [new BoundedQueue(batches, config.batch.max_queue_size, exporter, this)],
      spanLimits: {
        attributeValueLengthLimit: MAX_ATTRIBUTE_LENGTH,
        attributeCountLimit: 64,
        linkCountLimit: 4,
        eventCountLimit: 16,
        attributePerEventCountLimit: 16,
        attributePerLinkCountLimit: 16,
      },
    });
    this.tracer = this.#provider.getTracer('tollgate');
  }

  /** Starts the server span of one request (its parent: the client's `traceparent`, when trusted). */
  startRequest(req: IncomingMessage, requestId: string): RequestTrace {
    return new RequestTrace(this, req, requestId);
  }

  /**
   * Flushes what is queued and stops, waiting at most `otlp.timeout_ms` or 5 s, whichever is
   * shorter: then the export connections are cut and no new one is opened (the exporter's retries
   * fail at once), so a collector that hangs cannot hold a shutdown, or the process, any longer.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.min(this.#timeoutMs, SHUTDOWN_WAIT_MS));
        timer.unref();
      });
      await Promise.race([this.#provider.shutdown().catch(() => undefined), waited]);
      clearTimeout(timer);
      this.#connections.close();
    })();
    return this.#shutdown;
  }

  /** An export failed: counted; a warning at most every WARN_INTERVAL_MS (never one per span). */
  exportFailed(spans: number, error: unknown): void {
    this.stats.exportFailures++;
    this.stats.droppedExportFailed += spans;
    this.#unwarned.failures++;
    this.#maybeWarn(error);
  }

  spansDropped(): void {
    this.stats.droppedQueueFull++;
    this.#unwarned.queueFull++;
    this.#maybeWarn(undefined);
  }

  #maybeWarn(error: unknown): void {
    const now = performance.now();
    if (now - this.#lastWarn < WARN_INTERVAL_MS) return;
    this.#lastWarn = now;
    const { failures, queueFull } = this.#unwarned;
    this.#unwarned = { failures: 0, queueFull: 0 };
    this.#logger.warn(
      {
        exportFailures: failures,
        spansDroppedQueueFull: queueFull,
        error: error instanceof Error ? error.message : error === undefined ? undefined : String(error),
        totals: { ...this.stats },
      },
      failures > 0 ? 'trace export failed: spans dropped (next warning in 30 s at the earliest)' : 'trace export queue full: spans dropped (next warning in 30 s at the earliest)',
    );
  }
}

/**
 * The export's HTTP agents (a few keep-alive sockets). Closed at shutdown: open sockets are
 * destroyed with an error the exporter does not retry, and new connections fail the same way.
 */
class ExportConnections {
  readonly #agents: Array<HttpAgent | HttpsAgent> = [];
  #closed = false;

  agent(protocol: string): HttpAgent | HttpsAgent {
    const agent = protocol === 'https:' ? new HttpsAgent({ keepAlive: true, maxSockets: 4 }) : new HttpAgent({ keepAlive: true, maxSockets: 4 });
    const connect = agent.createConnection.bind(agent) as (options: object, callback: (error: Error | null, socket?: unknown) => void) => unknown;
    (agent as unknown as { createConnection: typeof connect }).createConnection = (options, callback) => {
      if (!this.#closed) return connect(options, callback);
      process.nextTick(() => callback(shutDownError()));
      return undefined;
    };
    this.#agents.push(agent);
    return agent;
  }

  close(): void {
    this.#closed = true;
    for (const agent of this.#agents) {
      for (const sockets of [...Object.values(agent.sockets), ...Object.values(agent.freeSockets)]) {
        for (const socket of sockets ?? []) socket.destroy(shutDownError());
      }
      agent.destroy();
    }
  }
}

function shutDownError(): Error {
  return new Error('tracing was shut down');
}

/**
 * `sampler.ratio` decides new traces by trace id. `parent_based` (default): a trusted client's
 * sampled flag decides instead. Either way a span of our own follows its parent, so a trace is
 * never cut in the middle.
 */
function samplerOf(config: TracingConfig['sampler']): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.ratio);
  if (config.parent_based) return new ParentBasedSampler({ root: ratio });
  return new ParentBasedSampler({ root: ratio, remoteParentSampled: ratio, remoteParentNotSampled: ratio });
}

/**
 * In front of the batch processor: keeps the queue's bound itself so that every span dropped for
 * it is counted (the processor's own drop is silent). Queued = handed on, not yet exported.
 */
class BoundedQueue implements SpanProcessor {
  queued = 0;
  constructor(
    private readonly batches: BatchSpanProcessor,
    private readonly maxQueueSize: number,
    exporter: CountingExporter,
    private readonly tracing: Tracing,
  ) {
    exporter.queue = this;
  }

  onStart(span: SdkSpan, parentContext: Context): void {
    this.batches.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queued >= this.maxQueueSize) {
      this.tracing.spansDropped();
      return;
    }
    this.queued++;
    this.batches.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.batches.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.batches.shutdown();
  }
}

/** The OTLP exporter with a hard deadline per export and every outcome counted. */
class CountingExporter implements SpanExporter {
  queue: BoundedQueue | undefined;
  constructor(
    private readonly inner: OTLPTraceExporter,
    private readonly timeoutMs: number,
    private readonly tracing: Tracing,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.queue) this.queue.queued = Math.max(0, this.queue.queued - spans.length);
    let done = false;
    const finish = (result: ExportResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (result.code === ExportResultCode.SUCCESS) this.tracing.stats.exported += spans.length;
      else this.tracing.exportFailed(spans.length, result.error);
      resultCallback(result);
    };
    const timer = setTimeout(() => finish({ code: ExportResultCode.FAILED, error: new Error(`no answer within ${this.timeoutMs} ms`) }), this.timeoutMs);
    timer.unref();
    try {
      this.inner.export(spans, finish);
    } catch (error) {
      finish({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
}

/**
 * One request's spans. The pipeline opens and closes one stage span at a time (`begin`/`end`); the
 * open one is the parent of what happens inside it (the quota's Redis round trip, planning, the
 * subgraph fetches). A stage that throws is left open and closed as failed by `finish`.
 */
export class RequestTrace implements FetchObserver, PlanObserver, RoundTripObserver {
  readonly traceId: string;
  /** False when the sampler said no: then only the fetches' `traceparent` is made, no span is recorded. */
  readonly recording: boolean;
  readonly #tracing: Tracing;
  readonly #server: Span;
  readonly #serverContext: Context;
  #stage: Span | undefined;
  #stageContext: Context | undefined;
  #finished = false;
  /**
   * Wall-clock ms at performance.now() 0, read once per request: every span of the request is
   * timed on the monotonic clock from it (the SDK's own start times are whole milliseconds, which
   * puts sub-millisecond stages out of order), and no process-long drift builds up.
   */
  readonly #epoch = Date.now() - performance.now();

  constructor(tracing: Tracing, req: IncomingMessage, requestId: string) {
    this.#tracing = tracing;
    const incoming = tracing.propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const clientSpan = trace.getSpanContext(incoming);
    let parent = ROOT_CONTEXT;
    let links: Link[] | undefined;
    if (clientSpan !== undefined && trace.isSpanContextValid(clientSpan)) {
      if (tracing.trustIncoming) parent = incoming;
      // Not trusted: a trace of our own, which says where the client's was.
      else links = [{ context: clientSpan, attributes: { 'tollgate.link': 'client_traceparent' } }];
    }
    const method = req.method ?? 'GET';
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_PATH]: (req.url ?? '/').split('?', 1)[0],
      [ATTR_URL_SCHEME]: 'http',
      [ATTR_HTTP_ROUTE]: tracing.graphqlPath,
      'tollgate.request_id': requestId,
    };
    const userAgent = req.headers['user-agent'];
    if (userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
    if (req.socket.localPort !== undefined) attributes[ATTR_SERVER_PORT] = req.socket.localPort;
    this.#server = tracing.tracer.startSpan(`${method} ${tracing.graphqlPath}`, { kind: SpanKind.SERVER, attributes, startTime: this.now(), ...(links ? { links } : {}) }, parent);
    this.#serverContext = trace.setSpan(ROOT_CONTEXT, this.#server);
    this.traceId = this.#server.spanContext().traceId;
    this.recording = this.#server.isRecording();
  }

  /** Stage `stage` starts (a child of the server span). */
  begin(stage: TraceStage): void {
    if (!this.recording) return;
    this.#stage = this.#tracing.tracer.startSpan(STAGE_SPANS[stage], { kind: SpanKind.INTERNAL, startTime: this.now() }, this.#serverContext);
    this.#stageContext = trace.setSpan(ROOT_CONTEXT, this.#stage);
  }

  /** The open stage is done. */
  end(attributes?: Attributes): void {
    const stage = this.#stage;
    if (stage === undefined) return;
    if (attributes) stage.setAttributes(attributes);
    stage.end(this.now());
    this.#stage = undefined;
    this.#stageContext = undefined;
  }

  /** Stage 3's decision, and the client app as it names itself (name and version headers). */
  client(clientId: string | undefined, profile: string, app: { name: string | undefined; version: string | undefined }): void {
    if (!this.recording) return;
    if (clientId !== undefined) this.#server.setAttribute('tollgate.client_id', clientId);
    this.#server.setAttribute('tollgate.client_profile', profile);
    if (app.name !== undefined) this.#server.setAttribute('tollgate.client_name', app.name);
    if (app.version !== undefined) this.#server.setAttribute('tollgate.client_version', app.version);
  }

  /** Stage 4 resolved the operation: the server span is named after it (`query GetProducts`). */
  operation(name: string | undefined, type: string): void {
    if (!this.recording) return;
    this.#server.setAttribute(ATTR_GRAPHQL_OPERATION_TYPE, type);
    if (name !== undefined) this.#server.setAttribute(ATTR_GRAPHQL_OPERATION_NAME, name);
    this.#server.updateName(name === undefined ? type : `${type} ${name.length > MAX_NAME_IN_SPAN_NAME ? name.slice(0, MAX_NAME_IN_SPAN_NAME) : name}`);
  }

  /**
   * The request is over: `status` as the client got it, `outcome` ok, ok_with_errors or the
   * refusal's code (then the server span, and the stage that refused, are ERROR with that code).
   */
  finish(status: number, outcome: string, errorCodes?: Iterable<string>): void {
    if (this.#finished) return;
    this.#finished = true;
    const refused = outcome !== 'ok' && outcome !== 'ok_with_errors';
    if (this.#stage !== undefined) {
      if (refused) failed(this.#stage, outcome);
      this.end();
    }
    if (!this.recording) {
      this.#server.end();
      return;
    }
    this.#server.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (refused) failed(this.#server, outcome);
    else if (errorCodes !== undefined) {
      const codes = [...errorCodes];
      if (codes.length > 0) this.#server.setAttribute('tollgate.error_codes', codes);
    }
    this.#server.end(this.now());
  }

  /** Now, in wall-clock ms (fractional), on this request's clock. */
  now(): number {
    return this.#epoch + performance.now();
  }

  /** The context new child spans hang from: the open stage, else the server span. */
  #parent(): Context {
    return this.#stageContext ?? this.#serverContext;
  }

  /** A subgraph fetch (FetchObserver): a CLIENT span, whose `traceparent` the fetch sends. */
  fetchStarted(subgraph: string): FetchWatch {
    const span = this.#tracing.tracer.startSpan(
      `subgraph ${subgraph}`,
      { kind: SpanKind.CLIENT, attributes: { [ATTR_HTTP_REQUEST_METHOD]: 'POST', 'tollgate.subgraph.name': subgraph }, startTime: this.now() },
      this.#parent(),
    );
    const headers: Record<string, string> = {};
    this.#tracing.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
    // The propagator writes an empty `tracestate` when the client's could not be parsed: send none.
    if (headers['tracestate'] === '') delete headers['tracestate'];
    if (!span.isRecording()) return { headers, ended: () => span.end() };
    let attempts = 0;
    const now = () => this.now();
    return {
      headers,
      attempt(url: string) {
        if (attempts++ === 0) setUrl(span, url);
        else span.setAttribute(ATTR_HTTP_REQUEST_RESEND_COUNT, attempts - 1);
      },
      ended(outcome: FetchOutcome) {
        if (outcome.status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.status);
        if (outcome.errorCode !== undefined) failed(span, outcome.errorCode);
        else if (outcome.status !== undefined && outcome.status >= 400) failed(span, String(outcome.status));
        span.end(now());
      },
    };
  }

  /** Planning (PlanObserver): a child of the open stage (execute). */
  planStarted(): PlanWatch {
    if (!this.recording) return NO_PLAN_WATCH;
    const span = this.#tracing.tracer.startSpan('graphql.plan', { kind: SpanKind.INTERNAL, startTime: this.now() }, this.#parent());
    const now = () => this.now();
    return {
      ended(outcome) {
        span.setAttribute('tollgate.plan.cached', outcome.cached);
        if (outcome.fetches !== undefined) span.setAttribute('tollgate.plan.fetches', outcome.fetches);
        if (outcome.error !== undefined) failed(span, outcome.error);
        span.end(now());
      },
    };
  }

  /** A quota round trip to Redis (RoundTripObserver): a CLIENT span under the open stage (quota). */
  roundTripStarted(command: string): (failed: boolean) => void {
    if (!this.recording) return NO_ROUND_TRIP_END;
    const operation = command === 'gcra' ? 'EVALSHA' : command.toUpperCase();
    const attributes: Attributes = { [ATTR_DB_SYSTEM_NAME]: 'redis', [ATTR_DB_OPERATION_NAME]: operation, 'tollgate.quota.command': command };
    const redis = this.#tracing.redis;
    if (redis) {
      attributes[ATTR_SERVER_ADDRESS] = redis.address;
      attributes[ATTR_SERVER_PORT] = redis.port;
    }
    const span = this.#tracing.tracer.startSpan(operation, { kind: SpanKind.CLIENT, attributes, startTime: this.now() }, this.#parent());
    return (didFail) => {
      if (didFail) failed(span, 'REDIS_ERROR');
      span.end(this.now());
    };
  }
}

const NO_PLAN_WATCH: PlanWatch = { ended: () => {} };
const NO_ROUND_TRIP_END = () => {};

function failed(span: Span, code: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

/** url.full (without credentials), server.address and server.port of a subgraph instance. */
function setUrl(span: Span, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return;
  }
  parsed.username = '';
  parsed.password = '';
  span.setAttribute(ATTR_URL_FULL, parsed.href);
  span.setAttribute(ATTR_SERVER_ADDRESS, parsed.hostname);
  span.setAttribute(ATTR_SERVER_PORT, parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port));
}
