import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisConnectionOptions {
  url: string;
  /** Per-command deadline; a slower Redis counts as failed. */
  timeoutMs: number;
}

/**
 * A Redis client that never makes a request wait on a dead or slow server: no offline queue
 * (commands fail at once while disconnected), one attempt per command, a command timeout, and
 * reconnection in the background with capped backoff.
 */
export function connectRedis(options: RedisConnectionOptions, logger: Logger): Redis {
  const redis = new Redis(options.url, {
    commandTimeout: options.timeoutMs,
    connectTimeout: Math.max(options.timeoutMs, 1000),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    enableReadyCheck: true,
    lazyConnect: false,
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
