// Stage 5 (admit): who is counted (identity, client IP behind trusted proxies, operation), and
// the charge of every quota rule in the store, before any subgraph is called. Also builds the store
// the stage runs on: the embedded memory store when `redis.url` is empty, else Redis behind the
// failover of `quotas.on_store_failure`.
import type { IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Identity } from '../core/identity.ts';
import { Admission, type Admitted } from './admit.ts';
import { ClientIpResolver } from './client-ip.ts';
import type { QuotasConfig, RedisConfig } from './config.ts';
import { FailoverQuotaStore } from './failover-store.ts';
import { MemoryQuotaStore } from './memory-store.ts';
import { connectRedis } from './redis-connection.ts';
import { RedisQuotaStore } from './redis-store.ts';
import type { QuotaSubject } from './rules.ts';
import type { QuotaStore } from './types.ts';

/** The profile of a request without a credential. */
export const ANONYMOUS_PROFILE = 'anonymous';
/** The profile of a verified caller whose credential names none (e.g. a JWT). */
export const DEFAULT_PROFILE = 'default';

/** What `/ready` says about the quota store. */
export type QuotaStoreStatus =
  | { store: 'memory' }
  | { store: 'redis'; on_store_failure: 'fail_open' | 'fail_closed'; degraded: boolean };

export class QuotaStage {
  readonly admission: Admission;
  readonly #ips: ClientIpResolver;

  constructor(
    private readonly store: QuotaStore,
    private readonly config: QuotasConfig,
  ) {
    this.admission = new Admission(store, config);
    this.#ips = new ClientIpResolver(config.trusted_proxies);
  }

  /** Stage 5. Throws RateLimitedError (429) or QuotaStoreUnavailableError (503, fail_closed). */
  admit(req: IncomingMessage, identity: Identity | undefined, operationName: string | undefined, estimatedCost: number): Promise<Admitted> {
    const subject: QuotaSubject = {
      clientId: identity?.clientId,
      userId: identity?.subject,
      profile: identity === undefined ? ANONYMOUS_PROFILE : (identity.profile ?? DEFAULT_PROFILE),
      ip: this.#ips.resolve(req.socket.remoteAddress, req.headers['x-forwarded-for']),
      operationName,
    };
    return this.admission.admit(subject, estimatedCost);
  }

  /** Which store decides, and whether the shared one is failing (then the failure mode is in force). */
  status(): QuotaStoreStatus {
    return this.store instanceof FailoverQuotaStore
      ? { store: 'redis', on_store_failure: this.config.on_store_failure, degraded: this.store.isDegraded }
      : { store: 'memory' };
  }
}

export interface QuotaStoreHandle {
  store: QuotaStore;
  /** Closes the store (flushing pending refunds) and its Redis connection. */
  close(): Promise<void>;
}

/**
 * `redis.url` empty: the embedded memory store (one instance). Otherwise Redis (one EVALSHA per
 * request, reconnecting in the background) behind FailoverQuotaStore, whose local memory store
 * takes over under `fail_open`.
 */
export function createQuotaStore(redisConfig: RedisConfig, quotas: QuotasConfig, logger: Logger): QuotaStoreHandle {
  if (redisConfig.url === '') {
    const store = new MemoryQuotaStore();
    return { store, close: () => store.close() };
  }
  const log = logger.child({ component: 'quota-store' });
  const redis: Redis = connectRedis({ url: redisConfig.url, timeoutMs: redisConfig.timeout_ms }, log);
  const store = new FailoverQuotaStore(
    new RedisQuotaStore(redis, { keyPrefix: redisConfig.key_prefix }),
    new MemoryQuotaStore(),
    quotas.on_store_failure,
    log,
  );
  return {
    store,
    async close() {
      await store.close();
      redis.disconnect();
    },
  };
}
