import { pino, type Logger } from 'pino';
import type { TelemetryConfig } from './config.ts';

/**
 * Structured JSON logs on stdout (pino: the fastest of the well-kept Node loggers). `worker`: this
 * process's number under `server.workers` (1..N), on every line, access log included.
 */
export function createLogger(config: TelemetryConfig['logging'], worker?: number): Logger {
  return pino({ level: config.level, base: worker === undefined ? { service: 'tollgate' } : { service: 'tollgate', worker } });
}
