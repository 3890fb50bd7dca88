// How Tollgate reaches Redis (`redis`): one server (`url`), a Redis Cluster (`cluster.nodes`), or
// the master a Sentinel deployment names (`sentinel`). Every part that talks to Redis — the quota
// store, shared APQ, published manifests, the schema registry and its admin listener, `tollgate
// operations publish` — connects through createRedisClient, so each runs on all three. What makes
// that possible is in the keys: every multi-key script's keys share one {hash tag}, so each script
// touches one Cluster slot; pub/sub needs no keys (ioredis' Cluster subscribes on one node, and a
// PUBLISH reaches every node).
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** `redis`'s connection keys (the quota config slice declares and validates them). */
export interface RedisDeployment {
  /** One server: redis:// or rediss:// URL; '' = none. */
  url: string;
  /** A Redis Cluster: some of its nodes' URLs (the rest are discovered); credentials and TLS from them. */
  cluster?: { nodes: string[] } | undefined;
  /** Sentinel: the master's name, the sentinels' URLs, and the data servers' credentials and TLS. */
  sentinel?:
    | {
        name: string;
        nodes: string[];
        username?: string | undefined;
        password?: string | undefined;
        tls: boolean;
      }
    | undefined;
}

export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** Deadline of each TCP connect (start-up and reconnects), and of a Cluster's slot refresh. */
  connectTimeoutMs: number;
  /** ioredis' per-command deadline; none by default. */
  commandTimeoutMs?: number | undefined;
  /** Queue commands while disconnected (ioredis' default true); false: they fail at once. */
  enableOfflineQueue?: boolean;
  /**
   * How often a command whose connection dropped is sent again. 0: never (it may have run: a
   * quota charge must not be made twice). On a Cluster, > 0 also resends after a failover; a
   * MOVED / ASK redirection (the command did not run) is followed whatever this says.
   */
  maxRetriesPerRequest: number;
  /** Delay before reconnect attempt n (ms); null: give up. */
  retryStrategy: (attempt: number) => number | null;
  lazyConnect?: boolean;
}

/** Whether any of `redis.url`, `redis.cluster`, `redis.sentinel` is set. */
export function isRedisConfigured(deployment: RedisDeployment): boolean {
  return deployment.url !== '' || deployment.cluster !== undefined || deployment.sentinel !== undefined;
}

/** The config key that chose the deployment, for messages: `redis.url`, `redis.cluster`, `redis.sentinel`. */
export function redisDeploymentKey(deployment: RedisDeployment): string {
  return deployment.cluster ? 'redis.cluster' : deployment.sentinel ? 'redis.sentinel' : 'redis.url';
}

/** Where Redis is, for logs and error messages, without credentials. */
export function describeRedis(deployment: RedisDeployment): string {
  if (deployment.cluster) return `Redis Cluster via ${deployment.cluster.nodes.map(hostOf).join(', ')}`;
  if (deployment.sentinel) return `master ${deployment.sentinel.name} via Sentinel ${deployment.sentinel.nodes.map(hostOf).join(', ')}`;
  return hostOf(deployment.url);
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** The connections a script must be loaded on: a Cluster's masters, or the one connection. */
export function scriptConnections(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}

/** A client for the deployment. The caller listens for 'error' (ioredis logs unhandled ones). */
export function createRedisClient(deployment: RedisDeployment, options: RedisClientOptions): RedisClient {
  const common: RedisOptions = {
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: options.maxRetriesPerRequest,
    enableReadyCheck: true,
  };
  if (deployment.cluster) {
    const nodes = deployment.cluster.nodes.map((url) => new URL(url));
    const first = nodes[0]!; // the schema checked that every node has the same scheme and credentials
    const clusterOptions: ClusterOptions = {
      enableOfflineQueue: options.enableOfflineQueue ?? true,
      enableReadyCheck: true,
      lazyConnect: options.lazyConnect ?? false,
      clusterRetryStrategy: (attempt) => options.retryStrategy(attempt),
      // "Connection is closed." may come for a command that ran: resent only when retries are allowed.
      retryDelayOnFailover: options.maxRetriesPerRequest > 0 ? 100 : 0,
      slotsRefreshTimeout: options.connectTimeoutMs,
      redisOptions: { ...common, ...credentials(first), ...(first.protocol === 'rediss:' ? { tls: {} } : {}) },
    };
    return new Cluster(
      nodes.map((url) => ({ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 6379 : Number(url.port) })),
      clusterOptions,
    );
  }
  const single: RedisOptions = {
    ...common,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    retryStrategy: options.retryStrategy,
    lazyConnect: options.lazyConnect ?? false,
  };
  if (deployment.sentinel) {
    const { sentinel } = deployment;
    const sentinels = sentinel.nodes.map((url) => new URL(url));
    const first = sentinels[0]!;
    const { username: sentinelUsername, password: sentinelPassword } = credentials(first);
    return new Redis({
      ...single,
      name: sentinel.name,
      sentinels: sentinels.map((url) => ({ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 26379 : Number(url.port) })),
      sentinelUsername,
      sentinelPassword,
      ...(first.protocol === 'rediss:' ? { sentinelTLS: {} } : {}),
      username: sentinel.username,
      password: sentinel.password,
      ...(sentinel.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      // Sentinels unreachable: asked again on the data connection's own backoff.
      sentinelRetryStrategy: (attempt) => options.retryStrategy(attempt),
      // Subscribed to the sentinels' +switch-master: the connection leaves a demoted master at once
      // (a master demoted while it is up keeps taking writes until Sentinel reconfigures it, ~10 s).
      failoverDetector: true,
      connectTimeout: options.connectTimeoutMs,
      sentinelCommandTimeout: options.connectTimeoutMs,
    });
  }
  return new Redis(deployment.url, single);
}

function credentials(url: URL): { username?: string; password?: string } {
  return {
    ...(url.username !== '' ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password !== '' ? { password: decodeURIComponent(url.password) } : {}),
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}
