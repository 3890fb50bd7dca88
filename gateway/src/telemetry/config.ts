import { z } from 'zod';
import { configBoolean } from '../core/config-values.ts';

/** `telemetry`: logs and request IDs. */
export const telemetryConfigSchema = z.strictObject({
  logging: z
    .strictObject({
      /** pino level: fatal | error | warn | info | debug | trace | silent; default info. */
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** One structured line per request; default true. */
      access_log: configBoolean().default(true),
    })
    .prefault({}),
  /** Header carrying the request ID, taken from the client when well-formed, else generated; default x-request-id. */
  request_id_header: z.string().regex(/^[a-z0-9-]+$/, 'expected a lower-case header name').default('x-request-id'),
});

export type TelemetryConfig = z.infer<typeof telemetryConfigSchema>;
