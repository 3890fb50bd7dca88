// Start-up wiring: builds every stage from its own slice of gateway.yaml, loads the supergraph
// (parsed once, shared by authorization, cost and the executor), serves the pipeline, and keeps it
// serving through change: a new supergraph (hot reload), a new config (SIGHUP) and shutdown
// (drain, then stop) never cost a request.
import { EdgeCache } from './cache/edge-cache.ts';
import { MemoryCacheStore } from './cache/store.ts';
import { cacheRefreshPolicy } from './cache/refresh.ts';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { startAdminListener, type AdminListener } from './admin-listener.ts';
import { createAuthenticator, type Authenticator } from './auth/authenticator.ts';
import { supergraphForExecutor } from './authorization/index.ts';
import { ClientStage } from './clients/stage.ts';
import { quotaProfilesNoCredentialNames } from './config/profile-names.ts';
import type { GatewayConfig } from './config/schema.ts';
import { ConfigError } from './core/config-errors.ts';
import { RedisPersistedQueryStore } from './document/apq-redis-store.ts';
import { createPersistedQueryStore } from './document/apq-store.ts';
import { manifestBounds } from './document/config.ts';
import { ManifestFollower } from './document/manifest-follower.ts';
import { loadManifestFiles } from './document/manifest-files.ts';
import type { ManifestEntry } from './document/manifest.ts';
import { SubgraphSources, type FederationGateway } from './federation/gateway.ts';
import { closeGraph, loadGraph, planTrustedDocuments, type GraphLoad, type TrustedSet } from './graph.ts';
import { closeServer, createHttpServer, createMetricsServer, listen } from './http/server.ts';
import { Cors } from './http/cors.ts';
import { HttpStage } from './http/stage.ts';
import { Pipeline, type Stages } from './pipeline.ts';
import { AuthFailureLimiter } from './quota/auth-failures.ts';
import { createQuotaStore, QuotaStage, type QuotaStoreHandle } from './quota/stage.ts';
import { restartOnlyChanges } from './reload.ts';
import { serveStaticJson } from './rest/respond.ts';
import { RestStage } from './rest/stage.ts';
import { RegistrySource } from './schema/registry-source.ts';
import { loadSupergraphSdl } from './schema/supergraph-source.ts';
import { watchSupergraph, type SupergraphWatcher } from './schema/supergraph-watcher.ts';
import { cacheBounds, type CacheBounds } from './memory/config.ts';
import { applyHeapGrowth, memoryBudget, type MemoryBudget } from './memory/budget.ts';
import { createLogger } from './telemetry/logger.ts';
import type { DemoToken } from './explorer/explorer.ts';
import { createExplorer, liveExposeOptions } from './explorer-wiring.ts';
import { GatewayMetrics } from './telemetry/metrics.ts';
import { requestIdFor } from './telemetry/request-id.ts';
import { Tracing } from './telemetry/tracing.ts';
import type { WorkerLink } from './workers-link.ts';

export interface RunningGateway {
  /** e.g. http://127.0.0.1:4000/graphql */
  url: string;
  port: number;
  /** The port of `telemetry.metrics.listen`, when metrics have a listener of their own. */
  metricsPort: number | undefined;
  /** The port of `admin.listen` (the registry's API), when it is on. */
  adminPort: number | undefined;
  logger: Logger;
  /** The stages as running (tests read their counters). */
  stages: Stages;
  /** The config in force (replaced by `reconfigure`). */
  readonly config: GatewayConfig;
  /** Prometheus metrics (its own registry); undefined when `telemetry.metrics.enabled` is false. */
  metrics: GatewayMetrics | undefined;
  /** OpenTelemetry tracing (its own tracer provider); undefined when `telemetry.tracing.enabled` is false. */
  tracing: Tracing | undefined;
  /** The serving supergraph's federation gateway (executor counters); replaced by a reload. */
  readonly federation: FederationGateway;
  /** Swaps to a new supergraph SDL; throws (and keeps the old one) when it does not load. */
  reloadSupergraph(sdl: string): Promise<void>;
  /**
   * Applies a new config to the running gateway (SIGHUP). Throws ConfigError, changing nothing,
   * when a key that needs a restart changed (the message names them) or a part does not build.
   */
  reconfigure(next: GatewayConfig): Promise<void>;
  /** Graceful stop: `/ready` 503 at once, serve `server.shutdown_drain_ms`, then stop and wait. */
  shutdown(): Promise<void>;
  /** Immediate stop (tests): stops accepting and closes everything, in-flight requests get 5 s. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Relative supergraph paths resolve against this (the config file's folder). */
  baseDir?: string;
  logger?: Logger;
  /**
   * The demo stack alone (subgraphs/dev.ts) passes this: the explorer then offers "Get a demo
   * token" (POST /-/explorer/demo-token). No key of gateway.yaml can turn it on.
   */
  demoToken?: () => Promise<DemoToken>;
  /**
   * This process is one of `server.workers` (workers-link.ts): its logs carry its number, the
   * memory quota store is the primary's, `/metrics` aggregates every worker, `/ready` counts them.
   */
  worker?: WorkerLink;
}

/** A graph replaced by a reload is closed when its last request is done, or after this long. */
const RETIRE_TIMEOUT_MS = 60_000;

/**
 * Starts the listener first (so /health answers and /ready says "loading"), then loads the
 * supergraph and the stages that depend on it; a supergraph that fails to load fails start-up.
 */
export async function startGateway(initialConfig: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  let config = initialConfig;
  const logger = options.logger ?? createLogger(config.telemetry.logging, options.worker?.id);
  const worker = options.worker;
  const baseDir = options.baseDir ?? process.cwd();
  // The budget was applied (V8 heap flags) before this process started; the caches follow it.
  const memory = memoryBudget(config.memory);
  applyHeapGrowth(config.memory.heap_growing_percent);
  const caches = (withConfig: GatewayConfig) => cacheBounds(withConfig.memory, memory.budgetMb);
  logMemoryBudget(logger, memory, caches(config), config.memory.heap_growing_percent, worker !== undefined);
  warnUnreachableQuotaProfiles(logger, config);
  // Trusted documents first: a bad manifest fails start-up before anything listens.
  const files = await loadManifestFiles(config.persisted_documents, baseDir, config.limits.parser_max_tokens);
  // APQ: this instance's memory, or Redis shared by every instance (`persisted_documents.apq.store`).
  const persistedQueries = createPersistedQueryStore({ apq: config.persisted_documents.apq, redis: config.redis, local: caches(config).persistedQueries, logger });
  // Every entry loaded so far, files and published versions: each new graph warms them all.
  const trustedEntries: ManifestEntry[] = [...files.entries];
  const trusted: TrustedSet = { documents: files.documents, entries: trustedEntries };
  let follower: ManifestFollower | undefined;
  let authenticator = await createAuthenticator(config.authentication, { logger, baseDir });
  // One tracer provider per running gateway (never the global one); none at all when off.
  const tracing = Tracing.create(config.telemetry.tracing, { logger, graphqlPath: config.server.graphql_path, redis: redisTarget(config.redis.url) });
  // The edge cache (`cache`): one store for the gateway's life, every supergraph's executor asks it.
  const edgeCache = config.cache.enabled ? new EdgeCache({ config: config.cache, redis: config.redis, logger: logger.child({ component: 'cache' }) }) : undefined;
  // One registry per running gateway; the counters the parts keep are read at scrape time.
  const metrics = config.telemetry.metrics.enabled
    ? new GatewayMetrics(config.telemetry.metrics, {
        executor: () => supergraph.current?.federation.executorStats,
        subgraphs: () => supergraph.current?.federation.subgraphHealth() ?? {},
        documents: () => supergraph.current?.graph.document.stats(),
        supergraphHash: () => supergraph.current?.graph.schemaHash,
        jwks: () => stages.identify.jwksStats(),
        quotaStore: () => {
          const status = stages.quotas?.status();
          return status?.store === 'redis' ? { degraded: status.degraded } : undefined;
        },
        tracing: () => tracing?.stats,
        apqStore: () => (persistedQueries instanceof RedisPersistedQueryStore ? persistedQueries.stats : undefined),
        memory: () => memory,
        edgeCache: () => edgeCache?.stats.entries(),
        caches: () => ({
          edge: edgeCache?.store instanceof MemoryCacheStore ? edgeCache.store.usage : undefined,
          plans: supergraph.current?.federation.executorStats?.planCache,
          documents: supergraph.current?.graph.document.cacheUsage(),
          persisted_queries: persistedQueries.usage,
        }),
      })
    : undefined;
  // A worker's scrape answers for every worker (the primary gathers them); its own series go with them.
  if (metrics && worker) worker.collectFrom(() => metrics.snapshot());
  const scrape = metrics && (worker ? () => worker.scrape() : () => metrics.scrape());
  let quotaStore = quotaStoreFor(config, logger, metrics, worker);
  const stages: Stages = {
    http: httpStage(config),
    identify: authenticator,
    client: new ClientStage(config.clients, authenticator),
    cors: corsOf(config),
    graph: undefined,
    ...quotaStages(config, quotaStore),
    rest: restStage(config),
  };
  // Breakers, ejections and retry budgets belong to the subgraphs: kept across every reload.
  const subgraphSources = new SubgraphSources(logger.child({ component: 'subgraph' }), config.telemetry.request_id_header);
  const supergraph: SupergraphState = { current: undefined, rawSdl: '', lastError: undefined, retiring: new Set() };
  let draining = false;
  let watcher: SupergraphWatcher | undefined;
  const explorer = createExplorer(config, () => config, logger, options.demoToken);
  let admin: AdminListener | undefined;
  // `supergraph.registry`: the versions published with `tollgate publish`, followed live.
  const registry = config.supergraph.registry
    ? new RegistrySource({ deployment: config.redis, prefix: config.redis.key_prefix, timeoutMs: config.supergraph.registry.timeout_ms, logger: logger.child({ component: 'registry' }) })
    : undefined;
  const pipeline = new Pipeline(stages, {
    logger,
    requestIdHeader: config.telemetry.request_id_header,
    accessLog: config.telemetry.logging.access_log,
    logVariables: config.telemetry.logging.variables,
    metrics,
    tracing,
    profileHeader: config.authentication.subgraph_headers.profile,
    cacheRefresh: edgeCache && cacheRefreshPolicy(config.cache.no_cache_clients),
    // Read at each request: a reload that turns introspection off turns the explorer's headers off too.
    expose: explorer === undefined ? undefined : liveExposeOptions(() => config),
  });
  const server = createHttpServer(
    config.server,
    {
      graphql: (req, res) => pipeline.handle(req, res),
      // REST endpoints run the pipeline; their OpenAPI document is the serving supergraph's.
      rest: (path) => {
        const route = stages.rest?.route(path);
        if (route === 'endpoint') return (req, res) => pipeline.handle(req, res, path);
        if (route === 'openapi') return (req, res) => serveOpenApi(req, res);
        return undefined;
      },
      readiness: () => readiness(stages, supergraph, draining, worker),
      requestId: (req) => [config.telemetry.request_id_header, requestIdFor(req.headers, config.telemetry.request_id_header)],
      draining: () => draining,
      ...(explorer ? { explorer } : {}),
      // Served here unless they have a listener of their own.
      ...(scrape && config.telemetry.metrics.listen === undefined ? { metrics: scrape } : {}),
    },
    { logger, metricsPath: config.telemetry.metrics.path },
  );
  const serveOpenApi = (req: IncomingMessage, res: ServerResponse) => {
    const header = config.telemetry.request_id_header;
    const requestId = requestIdFor(req.headers, header);
    res.setHeader(header, requestId);
    // A public description: readable by every origin some CORS policy allows, preflight included (http/cors.ts).
    const cors = stages.cors;
    if (cors !== undefined) {
      if (cors.isPreflight(req)) return cors.preflight(req, res, true);
      cors.beforeProfile(req, res);
    }
    serveStaticJson(req, res, stages.graph?.rest?.openapi, requestId);
  };
  const metricsServer =
    scrape && config.telemetry.metrics.listen !== undefined ? createMetricsServer(config.telemetry.metrics.path, scrape, config.server) : undefined;
  const closeAll = async (listener: Server | undefined, graceMs?: number) => {
    watcher?.close();
    registry?.close();
    await admin?.close();
    await follower?.close();
    if (listener) await closeServer(listener, graceMs);
    if (metricsServer?.listening) await closeServer(metricsServer, 0);
    stages.graph = undefined;
    await Promise.all(supergraph.retiring);
    if (supergraph.current) await closeGraph(supergraph.current);
    await subgraphSources.close();
    await quotaStore?.close();
    await persistedQueries.close();
    await edgeCache?.close();
    authenticator.close();
    // Last: the spans of the requests just finished are flushed (waiting at most otlp.timeout_ms).
    await tracing?.shutdown();
  };

  let address: AddressInfo;
  let metricsAddress: AddressInfo | undefined;
  try {
    address = await listen(server, config.server.listen);
    if (metricsServer) metricsAddress = await listen(metricsServer, config.telemetry.metrics.listen!, 'telemetry.metrics.listen');
    // Before the supergraph: a gateway waiting on an empty registry takes the first publish itself.
    admin = await startAdminListener(config, logger);
  } catch (error) {
    if (server.listening) await closeServer(server, 0);
    await closeAll(undefined);
    throw error;
  }
  /** Plans trusted documents on a graph (graph.ts), logging what it did once it is done. */
  const planTrusted = (load: GraphLoad, entries: readonly ManifestEntry[], withConfig: GatewayConfig) => {
    const startedAt = performance.now();
    const planning = planTrustedDocuments(load, entries, caches(withConfig).plans);
    if (entries.length > 0) {
      void planning.then((outcome) => logger.info({ ...outcome, ms: Math.round(performance.now() - startedAt) }, 'trusted documents planned ahead'));
    }
    return planning;
  };
  /** Published documents arriving on a graph: validated at once, planned one per event-loop turn. */
  const warmPublished = (load: GraphLoad, added: readonly ManifestEntry[], withConfig: GatewayConfig) => {
    const failures = load.graph.document.warm(added);
    if (failures.length > 0) logger.warn({ documents: failures.slice(0, 10), count: failures.length }, 'published trusted documents that do not validate against the supergraph');
    return planTrusted(load, added, withConfig);
  };
  /** Builds the graph for `rawSdl` under `withConfig` and swaps it in; the old one retires. */
  const swapIn = async (rawSdl: string, withConfig: GatewayConfig) => {
    const known = trustedEntries.length;
    const next = await loadGraph(supergraphForExecutor(rawSdl), withConfig, logger, persistedQueries, trusted, subgraphSources, caches(withConfig), edgeCache);
    if (next.warmFailures.length > 0) {
      // At start-up the manifests are the operator's files: refused, naming the entries. Later a
      // new supergraph may drop what an old app still sends: those requests get validation errors.
      if (supergraph.current === undefined) {
        await closeGraph(next);
        throw new ConfigError(`persisted_documents: trusted documents that do not validate against the supergraph:\n${next.warmFailures.slice(0, 10).map((f) => `  - ${f}`).join('\n')}`);
      }
      logger.warn({ documents: next.warmFailures.slice(0, 10), count: next.warmFailures.length }, 'trusted documents that do not validate against the new supergraph');
    }
    // Their plans before it serves, for at most plan_wait_ms; the rest while it serves.
    await waitAtMost(planTrusted(next, trustedEntries.slice(0, known), withConfig), withConfig.persisted_documents.plan_wait_ms);
    // Versions published meanwhile went to the serving graph only.
    if (trustedEntries.length > known) void warmPublished(next, trustedEntries.slice(known), withConfig);
    const previous = supergraph.current;
    supergraph.current = next;
    supergraph.rawSdl = rawSdl;
    stages.graph = next.graph;
    if (previous) retire(previous, supergraph);
    metrics?.supergraphLoad('ok');
    return next;
  };
  try {
    const first = registry
      ? (await registry.first(config.supergraph.poll_interval_ms, (reason) => logger.warn({ component: 'registry' }, `supergraph.registry: ${reason}`))).supergraph
      : await loadSupergraphSdl(config.supergraph, baseDir);
    const loaded = await swapIn(first, config);
    // A cold start is exact too: serve once Redis is connected with its script loaded (or
    // `redis.ready_wait_ms` has passed; then `quotas.on_store_failure` decides). Never rejects.
    await stages.quotas?.whenReady();
    // The shared APQ store too, bounded the same way (a Redis that refuses connections does not hold start-up).
    if (persistedQueries instanceof RedisPersistedQueryStore) await persistedQueries.whenConnected(config.redis.ready_wait_ms);
    if (config.persisted_documents.redis.enabled) {
      let planningPublished: Promise<unknown> = Promise.resolve();
      follower = followPublishedManifests(config, trusted.documents, logger, (added) => {
        trustedEntries.push(...added);
        const serving = supergraph.current;
        if (serving !== undefined) planningPublished = warmPublished(serving, added, config);
      });
      // What is published already is loaded before start-up ends (or after `redis.ready_wait_ms`, by
      // the poll), and planned as the files' documents are (at most plan_wait_ms more).
      await waitAtMost(follower.sync(), config.redis.ready_wait_ms);
      await waitAtMost(planningPublished, config.persisted_documents.plan_wait_ms);
    }
    logger.info({ schemaHash: loaded.graph.schemaHash }, 'supergraph loaded');
  } catch (error) {
    await closeAll(server);
    throw error;
  }

  const reloadSupergraph = async (rawSdl: string) => {
    if (rawSdl === supergraph.rawSdl) {
      supergraph.lastError = undefined; // the source reads again, and says what is serving
      return;
    }
    try {
      const next = await swapIn(rawSdl, config);
      supergraph.lastError = undefined;
      logger.info({ schemaHash: next.graph.schemaHash }, 'supergraph reloaded');
    } catch (error) {
      supergraph.lastError = error instanceof Error ? error.message : String(error);
      metrics?.supergraphLoad('error');
      logger.error({ error: supergraph.lastError }, 'new supergraph refused; the last good one keeps serving');
      throw error;
    }
  };
  if (config.supergraph.watch) {
    watcher = watchSupergraph(config.supergraph, baseDir, {
      current: supergraph.rawSdl,
      onChange: reloadSupergraph,
      ...(registry ? { registry } : {}),
      onUnchanged: (sdl) => {
        if (sdl === supergraph.rawSdl) supergraph.lastError = undefined;
      },
      onError: (error) => {
        // onChange already logged (and counted) its refusals; these are sources that cannot be read
        // or composed, each logged and counted once while it lasts.
        if (supergraph.lastError === (error instanceof Error ? error.message : String(error))) return;
        metrics?.supergraphLoad('error');
        supergraph.lastError = error instanceof Error ? error.message : String(error);
        logger.error({ error: supergraph.lastError }, 'supergraph source unreadable; the last good one keeps serving');
      },
    });
  }

  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const displayHost = host === '0.0.0.0' || host === '[::]' ? 'localhost' : host;
  const url = `http://${displayHost}:${address.port}${config.server.graphql_path}`;
  logger.info({ url, ...(worker ? { pid: process.pid } : {}), ...(metricsAddress ? { metrics: `http://${metricsAddress.address}:${metricsAddress.port}${config.telemetry.metrics.path}` } : {}) }, 'gateway ready');

  return {
    url,
    port: address.port,
    metricsPort: metricsAddress?.port,
    adminPort: admin?.port,
    logger,
    stages,
    metrics,
    tracing,
    get config() {
      return config;
    },
    get federation() {
      return (supergraph.current as GraphLoad).federation;
    },
    reloadSupergraph,
    async reconfigure(next) {
      const restart = restartOnlyChanges(config, next);
      if (restart.length > 0) throw new ConfigError(`${restart.join(', ')} changed, which needs a restart; nothing was changed`);
      // Build every new part first: a part that fails leaves the running gateway as it was.
      const nextAuthenticator = await createAuthenticator(next.authentication, { logger, baseDir });
      const nextStore = quotaStore ?? quotaStoreFor(next, logger, metrics, worker);
      try {
        await swapIn(supergraph.rawSdl, next);
      } catch (error) {
        nextAuthenticator.close();
        if (nextStore !== quotaStore) await nextStore?.close();
        throw error;
      }
      const previousAuthenticator = authenticator;
      authenticator = nextAuthenticator;
      quotaStore = nextStore;
      Object.assign(stages, { http: httpStage(next), identify: nextAuthenticator, client: new ClientStage(next.clients, nextAuthenticator), cors: corsOf(next), ...quotaStages(next, quotaStore), rest: restStage(next) });
      config = next;
      previousAuthenticator.close();
      logger.info('config reloaded');
      warnUnreachableQuotaProfiles(logger, next);
    },
    async shutdown() {
      draining = true; // /ready says 503 from now on; every answer says `connection: close`
      watcher?.close();
      logger.info({ drainMs: config.server.shutdown_drain_ms }, 'shutting down: draining');
      await new Promise((resolve) => setTimeout(resolve, config.server.shutdown_drain_ms));
      await closeAll(server, config.server.shutdown_timeout_ms);
      logger.info('stopped');
    },
    async stop() {
      await closeAll(server);
    },
  };
}

/** Resolves when `work` is done or `ms` have passed, whichever is first; never rejects. */
function waitAtMost(work: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

interface SupergraphState {
  current: GraphLoad | undefined;
  /** The SDL as its source gave it (before the executor's rewrite): a config reload rebuilds from it. */
  rawSdl: string;
  /** Why the last new supergraph was refused; cleared by the next good one. */
  lastError: string | undefined;
  /** Replaced graphs still finishing their requests. */
  retiring: Set<Promise<void>>;
}

/** Closes a replaced graph once the requests that started on it are done. */
function retire(load: GraphLoad, state: SupergraphState): void {
  const done = (async () => {
    for (let waited = 0; load.graph.inFlight > 0 && waited < RETIRE_TIMEOUT_MS; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await closeGraph(load);
  })();
  state.retiring.add(done);
  void done.finally(() => state.retiring.delete(done));
}

/** One line at start: the budget, where it came from, V8's heap limit in effect and the caches' bounds. */
/** Quota limits of a profile only a client name could pick: no request gets them (README "Quotas"). */
function warnUnreachableQuotaProfiles(logger: Logger, config: GatewayConfig): void {
  for (const key of quotaProfilesNoCredentialNames(config)) {
    logger.warn({ key }, `${key}: no credential names this profile (no API key's profile, no authentication.jwt.profile_claim) and a client-name header never changes which quota counts a request: these limits apply to no request`);
  }
}

function logMemoryBudget(logger: Logger, memory: MemoryBudget, caches: CacheBounds, heapGrowingPercent: number, isWorker: boolean): void {
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  logger.info(
    {
      budgetMb: memory.budgetMb ?? null,
      source: memory.source,
      heapLimitMb: memory.heapLimitMb,
      heapGrowingPercent,
      // Under a budget this process is the supervisor's child (or, with server.workers, a worker of
      // the primary that is): both pids, for whoever watches RSS.
      ...(memory.applied ? { ...memory.applied, pid: process.pid, ...(isWorker ? { primaryPid: process.ppid } : { supervisorPid: process.ppid }) } : {}),
      caches: { plans: mb(caches.plans.maxBytes), documents: mb(caches.documents.maxBytes), persistedQueries: mb(caches.persistedQueries.maxBytes) },
    },
    'memory budget',
  );
  if (memory.notApplied) logger.warn({ budgetMb: memory.budgetMb, heapLimitMb: memory.heapLimitMb }, `memory.max_mb is not applied to V8's heap: ${memory.notApplied}`);
}

/** `persisted_documents.redis`: versions published with `tollgate operations publish`, followed live. */
function followPublishedManifests(config: GatewayConfig, documents: TrustedSet['documents'], logger: Logger, onAdded: (entries: ManifestEntry[]) => void): ManifestFollower {
  const { persisted_documents: pd } = config;
  return new ManifestFollower({
    deployment: config.redis,
    prefix: config.redis.key_prefix,
    pollIntervalMs: pd.redis.poll_interval_ms,
    bounds: manifestBounds(pd, config.limits.parser_max_tokens),
    documents,
    onAdded,
    logger: logger.child({ component: 'persisted-documents' }),
  });
}

/**
 * Redis's host and port (`redis.url`) for the quota round-trip spans; undefined for the memory store,
 * and for a Cluster or Sentinel (the server a command goes to is not one fixed address).
 */
function redisTarget(url: string): { address: string; port: number } | undefined {
  if (url === '') return undefined;
  try {
    const parsed = new URL(url);
    return { address: parsed.hostname, port: parsed.port === '' ? 6379 : Number(parsed.port) };
  } catch {
    return undefined;
  }
}

/** `cors` and the profiles' own origins; undefined (no CORS header at all) when none is allowed. */
function corsOf(config: GatewayConfig): Cors | undefined {
  return Cors.create(config.cors, Object.values(config.clients.profiles).map((profile) => profile.cors));
}

/** Stage 1 of `rest_endpoints`; undefined when none are configured (the listener then routes none). */
function restStage(config: GatewayConfig): RestStage | undefined {
  return Object.keys(config.rest_endpoints.endpoints).length > 0 ? new RestStage(config.rest_endpoints) : undefined;
}

function httpStage(config: GatewayConfig): HttpStage {
  return new HttpStage({ limits: config.limits, csrfPrevention: !config.csrf.unsafe_disabled });
}

/** Failed-authentication counts need a credential source; then they live in the quota store too. */
function failureLimitOf(config: GatewayConfig) {
  return config.authentication.jwt || config.authentication.api_keys ? config.authentication.failure_limit : false;
}

function quotaStoreFor(config: GatewayConfig, logger: Logger, metrics: GatewayMetrics | undefined, worker: WorkerLink | undefined): QuotaStoreHandle | undefined {
  const needed = config.quotas.rules.length > 0 || failureLimitOf(config) !== false;
  const onCommand = metrics && ((command: string, seconds: number, failed: boolean) => metrics.redisCommand(command, seconds, failed));
  return needed ? createQuotaStore(config.redis, config.quotas, logger, onCommand, worker?.quotaStore) : undefined;
}

function quotaStages(config: GatewayConfig, store: QuotaStoreHandle | undefined): Pick<Stages, 'quotas' | 'authFailures'> {
  const failureLimit = failureLimitOf(config);
  return {
    quotas: store && config.quotas.rules.length > 0 ? new QuotaStage(store.store, config.quotas, store.readiness) : undefined,
    authFailures:
      store && failureLimit !== false ? new AuthFailureLimiter(store.store, { limit: failureLimit, trustedProxies: config.quotas.trusted_proxies }) : undefined,
  };
}

/**
 * `/ready`: 503 until the supergraph is loaded and the quota store is connected (or its wait is
 * over), and from the first moment of a shutdown; the serving supergraph's hash rides along.
 */
function readiness(stages: Stages, supergraph: SupergraphState, draining: boolean, worker: WorkerLink | undefined): { ready: boolean; body: Record<string, unknown> } {
  const graph = stages.graph;
  // With server.workers: which worker answered, and how many serve (a restarted one is not counted until it serves).
  const workers = worker && { worker: worker.id, workers: worker.workers() };
  if (graph === undefined) return { ready: false, body: { status: draining ? 'draining' : 'loading', ...workers } };
  const body: Record<string, unknown> = {
    status: 'ready',
    ...workers,
    supergraph: {
      hash: graph.schemaHash,
      loaded_at: graph.loadedAt.toISOString(),
      ...(supergraph.lastError === undefined ? {} : { last_reload_error: supergraph.lastError }),
    },
  };
  // Breakers, instances and retry counters per subgraph: an open breaker does not make the gateway
  // unready (the other subgraphs still answer; affected fields come back null with an error).
  if (supergraph.current) body['subgraphs'] = supergraph.current.federation.subgraphHealth();
  // The quota store's state rides along (degraded: Redis failing, `on_store_failure` in force).
  let ready = true;
  if (stages.quotas) {
    ready = stages.quotas.ready();
    body['status'] = ready ? 'ready' : 'connecting';
    body['quotas'] = stages.quotas.status();
  }
  if (draining) {
    ready = false;
    body['status'] = 'draining';
  }
  return { ready, body };
}
