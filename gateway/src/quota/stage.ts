// Stage 5 (admit): who is counted (identity, client IP behind trusted proxies, operation), and
// the charge of every quota rule in the store, before any subgraph is called. Also builds the store
// the stage runs on: the embedded memory store when no Redis is configured, else Redis (one server,
// a Cluster or through Sentinel) behind the failover of `quotas.on_store_failure`.
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Identity } from '../core/identity.ts';
import { isRedisConfigured, type RedisClient } from '../core/redis-client.ts';
import type { RoundTripObserver } from '../core/request-context.ts';
import { Admission, type Admitted } from './admit.ts';
import { ClientIpResolver } from './client-ip.ts';
import type { QuotasConfig, RedisConfig } from './config.ts';
import { FailoverQuotaStore } from './failover-store.ts';
import { MemoryQuotaStore } from './memory-store.ts';
import { PrimaryQuotaStore } from './primary-store.ts';
import { connectRedis } from './redis-connection.ts';
import { RedisQuotaStore, type RedisQuotaStoreOptions } from './redis-store.ts';
import type { QuotaSubject } from './rules.ts';
import type { QuotaStore } from './types.ts';

/** What `/ready` says about the quota store. */
export type QuotaStoreStatus =
  | { store: 'memory' }
  /** A worker of server.workers: the primary process's memory store, shared by every worker. */
  | { store: 'memory'; held_by: 'primary' }
  | { store: 'redis'; on_store_failure: 'fail_open' | 'fail_closed'; degraded: boolean };

export class QuotaStage {
  readonly admission: Admission;
  readonly #ips: ClientIpResolver;

  readonly #readiness: StoreReadiness;

  constructor(
    private readonly store: QuotaStore,
    private readonly config: QuotasConfig,
    readiness: StoreReadiness = ALWAYS_READY,
  ) {
    this.admission = new Admission(store, config);
    this.#ips = new ClientIpResolver(config.trusted_proxies);
    this.#readiness = readiness;
  }

  /**
   * Stage 5. `profile` is stage 3's `quotaProfile` (clients/): the credential's profile, else
   * `default` / `anonymous`, never one a client-name header picked. Throws RateLimitedError (429),
   * CostExceedsQuotaError (400: the estimate exceeds a whole cost budget) or
   * QuotaStoreUnavailableError (503, fail_closed). `observer` (tracing) is told of each round trip
   * to Redis made for this request.
   */
  admit(
    req: IncomingMessage,
    identity: Identity | undefined,
    profile: string,
    operationName: string | undefined,
    estimatedCost: number,
    observer?: RoundTripObserver,
  ): Promise<Admitted> {
    const subject: QuotaSubject = {
      clientId: identity?.clientId,
      userId: identity?.subject,
      profile,
      ip: this.#ips.resolve(req.socket.remoteAddress, req.headers['x-forwarded-for']),
      operationName,
    };
    return this.admission.admit(subject, estimatedCost, observer);
  }

  /**
   * For `/ready`: false while start-up still waits for the first connection to Redis and its
   * script load (at most `redis.ready_wait_ms`); always true for the memory store.
   */
  ready(): boolean {
    return this.#readiness.ready();
  }

  /** Resolves when ready() turns true (never rejects): start-up awaits it before serving. */
  whenReady(): Promise<void> {
    return this.#readiness.whenReady();
  }

  /** Which store decides, and whether the shared one is failing (then the failure mode is in force). */
  status(): QuotaStoreStatus {
    if (this.store instanceof FailoverQuotaStore) return { store: 'redis', on_store_failure: this.config.on_store_failure, degraded: this.store.isDegraded };
    return this.store instanceof PrimaryQuotaStore ? { store: 'memory', held_by: 'primary' } : { store: 'memory' };
  }
}

/** Whether the store can answer yet (start-up waits for the first Redis connection). */
export interface StoreReadiness {
  ready(): boolean;
  whenReady(): Promise<void>;
}

const ALWAYS_READY: StoreReadiness = { ready: () => true, whenReady: () => Promise.resolve() };

export interface QuotaStoreHandle {
  store: QuotaStore;
  readiness: StoreReadiness;
  /** Closes the store (flushing pending refunds) and its Redis connection. */
  close(): Promise<void>;
}

/**
 * No `redis.url`, `redis.cluster` or `redis.sentinel`: the embedded memory store (one instance;
 * the primary's, shared, with workers). Otherwise Redis (one EVALSHA per request, reconnecting in
 * the background) behind FailoverQuotaStore, whose local memory store takes over under `fail_open`.
 */
export function createQuotaStore(
  redisConfig: RedisConfig,
  quotas: QuotasConfig,
  logger: Logger,
  onCommand?: RedisQuotaStoreOptions['onCommand'],
  /** With worker processes (server.workers): the primary's memory store, used instead of one of this process's own. */
  sharedMemory?: QuotaStore,
): QuotaStoreHandle {
  if (!isRedisConfigured(redisConfig) && sharedMemory !== undefined) {
    // Closed with the link, not with a reload's store: the primary's store outlives this process.
    return { store: sharedMemory, readiness: ALWAYS_READY, close: () => Promise.resolve() };
  }
  if (!isRedisConfigured(redisConfig)) {
    const store = new MemoryQuotaStore();
    return { store, readiness: ALWAYS_READY, close: () => store.close() };
  }
  const log = logger.child({ component: 'quota-store' });
  const redis: RedisClient = connectRedis({ deployment: redisConfig, connectTimeoutMs: Math.max(redisConfig.timeout_ms, 1000) }, log);
  const shared = new RedisQuotaStore(redis, { keyPrefix: redisConfig.key_prefix, onCommand });
  const store = new FailoverQuotaStore(
    shared,
    new MemoryQuotaStore(),
    {
      mode: quotas.on_store_failure,
      timeoutMs: redisConfig.timeout_ms,
      failureThreshold: redisConfig.failure_threshold,
      probeIntervalMs: redisConfig.probe_interval_ms,
    },
    log,
  );
  return {
    store,
    readiness: startupReadiness(shared, store, redisConfig.ready_wait_ms, log),
    async close() {
      await store.close();
      redis.disconnect();
    },
  };
}

// Ready once the script is loaded on the first connection, or once `waitMs` has passed without one:
// then Redis is marked failed at once (`/ready` says degraded, the failure mode decides, the probe
// watches for Redis) rather than at the first check that fails. With `waitMs` 0 nothing is waited
// for: the first check finds out (it waits for the connection attempt, not for a deadline).
function startupReadiness(shared: RedisQuotaStore, store: FailoverQuotaStore, waitMs: number, logger: Logger): StoreReadiness {
  let waited = waitMs === 0;
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    if (waited) return resolve();
    timer = setTimeout(() => {
      waited = true;
      if (!shared.isLoaded) {
        logger.warn({ waitedMs: waitMs }, 'no Redis connection at start-up: ready under quotas.on_store_failure');
        store.markFailed(new Error(`no Redis connection within redis.ready_wait_ms (${waitMs} ms)`));
      }
      resolve();
    }, waitMs);
    timer.unref();
  });
  const whenReady = Promise.race([shared.whenLoaded(), gaveUp]).then(() => clearTimeout(timer));
  return { ready: () => waited || shared.isLoaded, whenReady: () => whenReady };
}
