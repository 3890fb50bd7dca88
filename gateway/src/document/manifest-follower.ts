// A running gateway follows the manifests published to Redis (published-manifests.ts): pub/sub
// says at once that a version was published, and a poll every `poll_interval_ms` catches what a
// dropped connection missed. Each version is read once, checked like a manifest file, and added
// whole or not at all (a version that conflicts with what is loaded is logged and skipped).
import type { Logger } from 'pino';
import { createRedisClient, type RedisClient, type RedisDeployment } from '../core/redis-client.ts';
import { ManifestError, parseManifest, type ManifestBounds, type ManifestEntry } from './manifest.ts';
import { clientsKey, publishedChannel, versionsAfter } from './published-manifests.ts';
import type { TrustedDocuments } from './trusted-documents.ts';

export interface ManifestFollowerOptions {
  /** `redis` (url, cluster or sentinel) and `redis.key_prefix`. */
  deployment: RedisDeployment;
  prefix: string;
  /** `persisted_documents.redis.poll_interval_ms`. */
  pollIntervalMs: number;
  bounds: ManifestBounds;
  documents: TrustedDocuments;
  /** The entries a version added (the gateway warms them on the serving graph). */
  onAdded: (entries: ManifestEntry[]) => void;
  logger: Logger;
}

export class ManifestFollower {
  readonly #redis: RedisClient;
  readonly #subscriber: RedisClient;
  /** The last version read per client. */
  readonly #seen = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(private readonly options: ManifestFollowerOptions) {
    const connection = { maxRetriesPerRequest: 1, connectTimeoutMs: 2000, retryStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, 5000) };
    this.#redis = createRedisClient(options.deployment, connection);
    // On a Cluster ioredis subscribes on one node (classic pub/sub: a PUBLISH reaches every node).
    this.#subscriber = createRedisClient(options.deployment, connection);
    for (const client of [this.#redis, this.#subscriber]) client.on('error', (error: Error) => options.logger.debug({ err: error }, 'manifest follower: Redis error'));
    this.#subscriber.on('message', () => void this.sync());
    // Subscribed again after every reconnect (ioredis does that), then a sync for what was missed.
    this.#subscriber.on('ready', () => void this.sync());
    void this.#subscriber.subscribe(publishedChannel(options.prefix)).catch(() => undefined);
    this.#timer = setInterval(() => void this.sync(), options.pollIntervalMs);
    this.#timer.unref();
  }

  /** Reads every version not read yet; concurrent calls share one run and ask for one more after it. */
  sync(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.syncOnce();
        } while (this.#again && !this.#closed);
      } catch (error) {
        this.options.logger.warn({ err: error }, 'published manifests could not be read from Redis; retrying at the next poll');
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  private async syncOnce(): Promise<void> {
    const { prefix, bounds, documents, logger } = this.options;
    for (const client of (await this.#redis.smembers(clientsKey(prefix))).sort()) {
      for (const { version, text } of await versionsAfter(this.#redis, prefix, client, this.#seen.get(client) ?? 0)) {
        this.#seen.set(client, version);
        try {
          const added = documents.add(parseManifest(text, `redis client ${client} version ${version}`, bounds));
          if (added.length > 0) this.options.onAdded(added);
          logger.info({ client, version, added: added.length, trustedDocuments: documents.size }, 'published manifest loaded');
        } catch (error) {
          if (!(error instanceof ManifestError)) throw error;
          logger.error({ client, version, error: error.message }, 'published manifest refused; nothing of it was loaded');
        }
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running;
    this.#subscriber.disconnect();
    this.#redis.disconnect();
  }
}
