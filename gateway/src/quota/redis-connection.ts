import type { Logger } from 'pino';
import { createRedisClient, describeRedis, isCluster, type RedisClient, type RedisDeployment } from '../core/redis-client.ts';

export interface RedisConnectionOptions {
  /** `redis.url`, `redis.cluster` or `redis.sentinel`. */
  deployment: RedisDeployment;
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
 *
 * On a Cluster the same holds per node: a command is sent once, and one whose connection dropped
 * fails (it may have run) rather than being sent again after the failover; a MOVED or ASK reply
 * (the command did not run: its slot is elsewhere) is followed to the node named, up to 16 times.
 */
export function connectRedis(options: RedisConnectionOptions, logger: Logger): RedisClient {
  const redis = createRedisClient(options.deployment, {
    connectTimeoutMs: options.connectTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
    lazyConnect: false,
    // No auto-pipelining: it saves socket writes (~7% of the CPU of tollgate+full) but holds each
    // new command until the previous batch's replies are in, so on a busy gateway quota checks
    // went past their deadline and were decided locally (12 of 60 admitted where 10 were allowed:
    // test/gateway/quota/busy-instances.test.ts). Exact quotas come first.
  });
  const where = describeRedis(options.deployment);
  // undefined until the first outcome, so a Redis that is down at start-up is logged once too.
  let connected: boolean | undefined;
  redis.on('ready', () => {
    if (!connected) logger.info({ redis: where }, 'connected to Redis');
    connected = true;
  });
  redis.on('error', (error: Error) => {
    if (connected !== false) logger.error({ err: error, redis: where }, 'Redis connection error; reconnecting in the background');
    connected = false;
  });
  // A Cluster node's own errors come with every attempt to reach it; the failing checks are what is
  // logged (FailoverQuotaStore, once per mode change).
  if (isCluster(redis)) redis.on('node error', (error: Error, node: string) => logger.debug({ err: error, node }, 'Redis Cluster node error'));
  return redis;
}
