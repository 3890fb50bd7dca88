import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisConnectionOptions {
  url: string;
  /** Deadline of the TCP connect (start-up and reconnects). */
  connectTimeoutMs: number;
}

/**
 * A Redis client that never makes a request wait on a dead server: no offline queue (commands fail
 * at once while disconnected), one attempt per command, and reconnection in the background with
 * capped backoff. There is deliberately no ioredis `commandTimeout`: it is measured on this
 * process's event loop (so CPU load reads as a slow Redis) and it throws the reply away when it
 * comes late, losing the charge Redis made. The deadline lives in FailoverQuotaStore instead
 * (deadline.ts), which keeps the command's promise and reconciles a late reply.
 */
export function connectRedis(options: RedisConnectionOptions, logger: Logger): Redis {
  const redis = new Redis(options.url, {
    connectTimeout: options.connectTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    enableReadyCheck: true,
    lazyConnect: false,
    // No auto-pipelining: it saves socket writes (~7% of the CPU of tollgate+full) but holds each
    // new command until the previous batch's replies are in, so on a busy gateway quota checks
    // went past their deadline and were decided locally (12 of 60 admitted where 10 were allowed:
    // test/gateway/quota/busy-instances.test.ts). Exact quotas come first.
  });
  // undefined until the first outcome, so a Redis that is down at start-up is logged once too.
  let connected: boolean | undefined;
  redis.on('ready', () => {
    if (!connected) logger.info('connected to Redis');
    connected = true;
  });
  redis.on('error', (error) => {
    if (connected !== false) logger.error({ err: error }, 'Redis connection error; reconnecting in the background');
    connected = false;
  });
  return redis;
}
