import { z } from 'zod';
import { configBoolean, configNumber, listenAddress } from '../core/config-values.ts';

/** `telemetry`: logs, request IDs and Prometheus metrics. */
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
  /** Header carrying the request ID, taken from the client when well-formed, else generated; default x-request-id. */
  request_id_header: z.string().regex(/^[a-z0-9-]+$/, 'expected a lower-case header name').default('x-request-id'),
});

export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;
