// Wiring of the admin listener (`admin.listen`, off by default): the registry's HTTP API and the
// edge cache's POST /cache/invalidate on an address of its own, over its own Redis connection
// (commands bounded by `admin.redis_timeout_ms`).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { publishStamps, stampsOf, targetsFromRequest } from './cache/invalidation.ts';
import { CacheKeys } from './cache/keys.ts';
import { createRedisClient } from './core/redis-client.ts';
import type { GatewayConfig } from './config/schema.ts';
import { closeServer, listen } from './http/server.ts';
import { Registry } from './schema/registry.ts';
import { registryAdminHandler } from './schema/registry-admin.ts';
import { RegistryStore } from './schema/registry-store.ts';

export interface AdminListener {
  port: number;
  close(): Promise<void>;
}

/** Slow-loris bounds, as the main listener's: headers within 10 s, the whole request within 30 s. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export async function startAdminListener(config: GatewayConfig, logger: Logger): Promise<AdminListener | undefined> {
  const { admin } = config;
  if (admin.listen === undefined) return undefined;
  const log = logger.child({ component: 'registry' });
  const redis = createRedisClient(config.redis, {
    maxRetriesPerRequest: 1,
    connectTimeoutMs: admin.redis_timeout_ms,
    commandTimeoutMs: admin.redis_timeout_ms,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 5000),
  });
  redis.on('error', (error: Error) => log.debug({ err: error }, 'registry: Redis error'));
  const registry = new Registry(new RegistryStore(redis, config.redis.key_prefix), admin.publish_attempts, (winner) =>
    log.info({ winner }, 'registry: another write came first; composing and checking again on top of it'),
  );
  // The edge cache's invalidation: stamps in Redis and on the channel, whatever store instances use.
  const cacheKeys = new CacheKeys(config.redis.key_prefix);
  const handle = registryAdminHandler(admin, registry, log, {
    '/cache/invalidate': {
      role: 'invalidate',
      unavailable: 'CACHE_UNAVAILABLE',
      async run(body, identity) {
        const targets = targetsFromRequest(body);
        await publishStamps(redis, config.redis.key_prefix, stampsOf(cacheKeys, targets, Date.now(), config.cache.max_ttl_s * 1000));
        logger.child({ component: 'cache' }).info({ identity, targets }, 'edge cache: invalidated');
        return { invalidated: targets };
      },
    },
  });
  const server = createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
    handle(req, res).catch((error) => {
      log.error({ err: error }, 'registry: unexpected error');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"INTERNAL_SERVER_ERROR","message":"unexpected error"}}');
    });
  });
  let address: AddressInfo;
  try {
    address = await listen(server, admin.listen, 'admin.listen');
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  log.info({ url: `http://${address.address}:${address.port}/registry` }, 'admin listener ready');
  return {
    port: address.port,
    async close() {
      await closeServer(server, 1_000);
      redis.disconnect();
    },
  };
}
