import { pino, type Logger } from 'pino';
import type { TelemetryConfig } from './config.ts';

/** Structured JSON logs on stdout (pino: the fastest of the well-kept Node loggers). */
export function createLogger(config: TelemetryConfig['logging']): Logger {
  return pino({ level: config.level, base: { service: 'tollgate' } });
}
