import { z } from 'zod';
import { configBoolean, configNumber, listenAddress } from '../core/config-values.ts';

// An OTLP header: a plain lower-case name (no pseudo or hop-by-hop header), a value without control
// characters (it may come from the environment, e.g. an API key).
const otlpHeaderName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case HTTP header name')
  .refine((name) => !['host', 'content-type', 'content-length', 'content-encoding', 'connection', 'transfer-encoding'].includes(name), 'reserved header');
const otlpHeaderValue = z.string().max(8192).regex(/^[^\u0000-\u001f\u007f]*$/, 'expected a header value without control characters');

/** `telemetry.tracing`: OpenTelemetry spans, W3C trace context, OTLP/HTTP export. Off by default. */
const tracingConfigSchema = z
  .strictObject({
    /** Trace requests and export the spans; default false (then nothing is traced and nothing is sent). */
    enabled: configBoolean().default(false),
    /** The resource's `service.name`; default tollgate. */
    service_name: z.string().min(1).max(256).default('tollgate'),
    otlp: z
      .strictObject({
        /** OTLP/HTTP (JSON) traces endpoint, e.g. http://127.0.0.1:4318/v1/traces; required when enabled. */
        endpoint: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:4318/v1/traces' }).optional(),
        /** Extra headers on every export (e.g. an API key from the environment); default none. */
        headers: z
          .record(otlpHeaderName, otlpHeaderValue)
          .refine((headers) => Object.keys(headers).length <= 64, 'at most 64 headers')
          .default({}),
        /** Deadline of one export, retries included; also the most shutdown waits for the last flush. Default 10000. */
        timeout_ms: configNumber(z.number().int().min(1).max(120_000)).default(10_000),
        /** none | gzip; default none. */
        compression: z.enum(['none', 'gzip']).default('none'),
      })
      .prefault({}),
    sampler: z
      .strictObject({
        /** Share of new traces recorded, 0 to 1 (by trace id); default 1. */
        ratio: configNumber(z.number().min(0).max(1)).default(1),
        /** A request whose trusted parent says sampled (or not) follows it instead of the ratio; default true. */
        parent_based: configBoolean().default(true),
      })
      .prefault({}),
    propagation: z
      .strictObject({
        /**
         * Continue the trace of a client's `traceparent` (and pass its `tracestate` on); default true.
         * false: every request starts a trace of its own, linked to the client's span.
         */
        trust_incoming: configBoolean().default(true),
      })
      .prefault({}),
    batch: z
      .strictObject({
        /** Most finished spans waiting for export; spans beyond it are dropped (and counted). Default 2048. */
        max_queue_size: configNumber(z.number().int().min(1).max(1_000_000)).default(2048),
        /** Most spans in one export request; default 512. */
        max_export_batch_size: configNumber(z.number().int().min(1).max(100_000)).default(512),
        /** Longest a finished span waits before its batch is sent; default 5000. */
        scheduled_delay_ms: configNumber(z.number().int().min(1).max(600_000)).default(5000),
      })
      .prefault({}),
  })
  .superRefine((tracing, ctx) => {
    if (tracing.enabled && tracing.otlp.endpoint === undefined) {
      ctx.addIssue({ code: 'custom', path: ['otlp', 'endpoint'], message: 'required when telemetry.tracing.enabled is true (e.g. http://127.0.0.1:4318/v1/traces)' });
    }
    if (tracing.batch.max_export_batch_size > tracing.batch.max_queue_size) {
      ctx.addIssue({
        code: 'custom',
        path: ['batch', 'max_export_batch_size'],
        message: `must not exceed telemetry.tracing.batch.max_queue_size (${tracing.batch.max_queue_size})`,
      });
    }
  });

export type TracingConfig = z.infer<typeof tracingConfigSchema>;

/** `telemetry`: logs, request IDs, Prometheus metrics and tracing. */
export const telemetryConfigSchema = z.strictObject({
  logging: z
    .strictObject({
      /** pino level: fatal | error | warn | info | debug | trace | silent; default info. */
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** One structured line per request; default true. */
      access_log: configBoolean().default(true),
      /** Variables whose values the access log shows (none by default: variables may hold personal data). */
      variables: z.array(z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*$/, 'expected a GraphQL variable name')).max(100).default([]),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      /** Serve Prometheus metrics; default true. */
      enabled: configBoolean().default(true),
      /**
       * A listener of their own ("host:port", e.g. 127.0.0.1:9464), so that metrics are not served
       * to the clients of the main port; default none: on the main listener.
       */
      listen: listenAddress().optional(),
      /** Where; default /metrics. */
      path: z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, 'expected a path such as /metrics').default('/metrics'),
      /** Distinct operation names (and client names) kept as label values; later ones count as `other`. Default 100. */
      max_label_values: configNumber(z.number().int().min(1).max(10_000)).default(100),
    })
    .prefault({}),
  tracing: tracingConfigSchema.prefault({}),
  /** Header carrying the request ID, taken from the client when well-formed, else generated; default x-request-id. */
  request_id_header: z.string().regex(/^[a-z0-9-]+$/, 'expected a lower-case header name').default('x-request-id'),
});

export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;
