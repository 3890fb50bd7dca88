// A gateway following the registry (`supergraph.registry`): reads the current version's supergraph
// from Redis, and is told at once of a new one by pub/sub (subscribed again after every reconnect,
// then read, for what was missed); the watcher also polls every `supergraph.poll_interval_ms`, in
// case a message was lost. Each read costs one GET while nothing changed: a version's SDL is read
// once. Every command has `supergraph.registry.timeout_ms`.
import type { Logger } from 'pino';
import { createRedisClient, type RedisClient, type RedisDeployment } from '../core/redis-client.ts';
import { registryChannel, RegistryStore } from './registry-store.ts';

export interface RegistrySourceOptions {
  /** `redis` (url, cluster or sentinel). */
  deployment: RedisDeployment;
  prefix: string;
  timeoutMs: number;
  logger: Logger;
}

export class RegistrySource {
  readonly #redis: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #store: RegistryStore;
  readonly #listeners = new Set<() => void>();
  #last: { version: number; supergraph: string } | undefined;
  #closed = false;

  constructor(options: RegistrySourceOptions) {
    const connection = {
      maxRetriesPerRequest: 1,
      connectTimeoutMs: options.timeoutMs,
      commandTimeoutMs: options.timeoutMs,
      retryStrategy: (attempt: number) => Math.min(100 * 2 ** attempt, 5000),
    };
    this.#redis = createRedisClient(options.deployment, connection);
    // A subscriber connection has no command deadline: it waits for messages by design. On a
    // Cluster ioredis subscribes on one node (classic pub/sub: a PUBLISH reaches every node).
    this.#subscriber = createRedisClient(options.deployment, { ...connection, commandTimeoutMs: undefined });
    for (const client of [this.#redis, this.#subscriber]) client.on('error', (error: Error) => options.logger.debug({ err: error }, 'registry: Redis error'));
    this.#store = new RegistryStore(this.#redis, options.prefix);
    this.#subscriber.on('message', () => this.#announce());
    this.#subscriber.on('ready', () => this.#announce());
    void this.#subscriber.subscribe(registryChannel(options.prefix)).catch(() => undefined);
  }

  /** The current version and its supergraph; undefined while nothing is published. Rejects when Redis does not answer. */
  async read(): Promise<{ version: number; supergraph: string } | undefined> {
    const version = await this.#store.currentVersion();
    if (version === 0) return undefined;
    if (this.#last?.version === version) return this.#last;
    const record = await this.#store.version(version);
    if (record === undefined) return this.#last;
    this.#last = { version, supergraph: record.supergraph };
    return this.#last;
  }

  /** Called when a version is announced (or the subscription came back); returns the unsubscribe. */
  onAnnounce(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Start-up on a registry: the first version, waiting for it while nothing is published (or Redis
   * is unreachable), woken by an announcement or every `pollIntervalMs`. `onWait` is told once why.
   */
  async first(pollIntervalMs: number, onWait: (reason: string) => void): Promise<{ version: number; supergraph: string }> {
    let told = false;
    while (!this.#closed) {
      let reason: string;
      try {
        const found = await this.read();
        if (found !== undefined) return found;
        reason = 'nothing has been published yet: waiting for the first `tollgate publish`';
      } catch (error) {
        reason = `Redis does not answer (${(error as Error).message}): waiting`;
      }
      if (!told) onWait(reason);
      told = true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollIntervalMs);
        const stop = this.onAnnounce(done);
        function done() {
          clearTimeout(timer);
          stop();
          resolve();
        }
      });
    }
    throw new Error('supergraph.registry: closed before the first version arrived');
  }

  #announce(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  close(): void {
    this.#closed = true;
    this.#announce(); // wakes a start-up still waiting, which then gives up
    this.#listeners.clear();
    this.#subscriber.disconnect();
    this.#redis.disconnect();
  }
}
