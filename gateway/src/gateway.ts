// Start-up wiring: builds every stage once from its own slice of gateway.yaml, loads the supergraph
// (parsed once, shared by authorization, cost and the executor), and serves the pipeline.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { createAuthenticator, type Authenticator } from './auth/authenticator.ts';
import { createOperationAuthorizer, supergraphForExecutor } from './authorization/index.ts';
import { ClientStage } from './clients/stage.ts';
import type { GatewayConfig } from './config/schema.ts';
import { parseSupergraph, type ParsedSupergraph } from './core/supergraph.ts';
import { costModelOptions } from './cost/config.ts';
import { buildCostModel } from './cost/model.ts';
import { CostStage } from './cost/stage.ts';
import { PersistedQueryCache } from './document/apq-cache.ts';
import { DocumentStage, ValidatedDocumentStore } from './document/stage.ts';
import { createApolloServer } from './federation/apollo-server.ts';
import { createFederationGateway, type FederationGateway } from './federation/gateway.ts';
import { loadSupergraphSdl, SupergraphLoadError } from './schema/supergraph-source.ts';
import { closeServer, createHttpServer, listen } from './http/server.ts';
import { HttpStage } from './http/stage.ts';
import { Pipeline, type LoadedGraph, type Stages } from './pipeline.ts';
import { AuthFailureLimiter } from './quota/auth-failures.ts';
import type { QuotaRuleConfig } from './quota/config.ts';
import { createQuotaStore, QuotaStage, type QuotaStoreHandle } from './quota/stage.ts';
import { createLogger } from './telemetry/logger.ts';
import { requestIdFor } from './telemetry/request-id.ts';

export interface RunningGateway {
  /** e.g. http://127.0.0.1:4000/graphql */
  url: string;
  port: number;
  logger: Logger;
  /** The stages as running (tests read their counters). */
  stages: Stages;
  /** The loaded supergraph's federation gateway (executor counters). */
  federation: FederationGateway;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Relative supergraph paths resolve against this (the config file's folder). */
  baseDir?: string;
  logger?: Logger;
}

/** The supergraph of one load: its SDL and the one parse and build of it everything else reads. */
interface Supergraph extends ParsedSupergraph {
  sdl: string;
}

/**
 * Starts the listener first (so /health answers and /ready says "loading"), then loads the
 * supergraph and the stages that depend on it; a supergraph that fails to load fails start-up.
 */
export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.telemetry.logging);
  const baseDir = options.baseDir ?? process.cwd();
  const authenticator = await createAuthenticator(config.authentication, { logger, baseDir });
  // The quota store also keeps the failed-authentication counts (authentication.failure_limit).
  const failureLimit = config.authentication.jwt || config.authentication.api_keys ? config.authentication.failure_limit : false;
  const quotaStore = config.quotas.rules.length > 0 || failureLimit !== false ? createQuotaStore(config.redis, config.quotas, logger) : undefined;
  const stages: Stages = {
    http: new HttpStage({ limits: config.limits, csrfPrevention: !config.csrf.unsafe_disabled }),
    identify: authenticator,
    client: new ClientStage(),
    graph: undefined,
    quotas: quotaStore && config.quotas.rules.length > 0 ? new QuotaStage(quotaStore.store, config.quotas, quotaStore.readiness) : undefined,
    authFailures:
      quotaStore && failureLimit !== false
        ? new AuthFailureLimiter(quotaStore.store, { limit: failureLimit, trustedProxies: config.quotas.trusted_proxies })
        : undefined,
  };
  const pipeline = new Pipeline(stages, {
    logger,
    requestIdHeader: config.telemetry.request_id_header,
    accessLog: config.telemetry.logging.access_log,
  });
  const server = createHttpServer(config.server, {
    graphql: (req, res) => pipeline.handle(req, res),
    readiness: () => readiness(stages),
    requestId: (req) => [config.telemetry.request_id_header, requestIdFor(req.headers, config.telemetry.request_id_header)],
  }, { logger });
  let loaded: { graph: LoadedGraph; federation: FederationGateway } | undefined;
  let address: AddressInfo;
  try {
    address = await listen(server, config.server.listen);
  } catch (error) {
    await stopAll(undefined, loaded, quotaStore, authenticator);
    throw error;
  }
  try {
    // The executor cannot load a supergraph whose authorization links say `for: SECURITY` (it
    // enforces them itself); everything reads the same rewritten SDL, parsed and built once.
    const sdl = supergraphForExecutor(await loadSupergraphSdl(config.supergraph, baseDir));
    loaded = await loadGraph(sdl, config, logger, new PersistedQueryCache());
    stages.graph = loaded.graph;
    // A cold start is exact too: serve once Redis is connected with its script loaded (or
    // `redis.ready_wait_ms` has passed; then `quotas.on_store_failure` decides). Never rejects.
    await stages.quotas?.whenReady();
  } catch (error) {
    await stopAll(server, loaded, quotaStore, authenticator);
    throw error;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const displayHost = host === '0.0.0.0' || host === '[::]' ? 'localhost' : host;
  const url = `http://${displayHost}:${address.port}${config.server.graphql_path}`;
  logger.info({ url }, 'gateway ready');

  return {
    url,
    port: address.port,
    logger,
    stages,
    federation: loaded.federation,
    async stop() {
      stages.graph = undefined;
      await stopAll(server, loaded, quotaStore, authenticator);
    },
  };
}

/** Stages 4 and 6 for one supergraph: the executor, Apollo Server over it, the document and cost stages. */
async function loadGraph(
  sdl: string,
  config: GatewayConfig,
  logger: Logger,
  persistedQueries: PersistedQueryCache,
): Promise<{ graph: LoadedGraph; federation: FederationGateway }> {
  let supergraph: Supergraph;
  try {
    supergraph = { sdl, ...parseSupergraph(sdl) };
  } catch (error) {
    throw new SupergraphLoadError(`supergraph: not a valid supergraph SDL: ${firstLine(error)}`);
  }
  const authorize = createOperationAuthorizer(supergraph);
  const federation = createFederationGateway({ sdl: supergraph.sdl, document: supergraph.document }, config, logger, { authorize });
  let apiSchema: GraphQLSchema | undefined;
  federation.gateway.onSchemaLoadOrUpdate((loaded) => {
    apiSchema = loaded.apiSchema;
  });
  const documentStore = new ValidatedDocumentStore();
  const apollo = createApolloServer(federation.gateway, { introspection: config.server.introspection, debug: config.server.debug, documentStore }, logger);
  try {
    await apollo.start(); // loads the supergraph into the executor: the API schema arrives above
  } catch (error) {
    await federation.close();
    // E.g. a subgraph schema given as a supergraph, or a supergraph of a federation version the
    // executor does not know: the operator's file, said in one line.
    throw new SupergraphLoadError(`supergraph: cannot be loaded: ${firstLine(error)}`);
  }
  const { max_depth, max_height, max_aliases, max_root_fields, max_directives_per_field, profiles } = config.limits;
  const document = new DocumentStage({
    schema: apiSchema as GraphQLSchema,
    maxTokens: config.limits.parser_max_tokens,
    introspection: config.server.introspection,
    suggestions: config.server.suggestions ?? config.server.introspection,
    limits: { max_depth, max_height, max_aliases, max_root_fields, max_directives_per_field },
    profileLimits: profiles,
    persistedQueries,
    documentStore,
  });
  return { graph: { document, cost: costStage(supergraph, config), apollo }, federation };
}

/** Stage 4's cost half, when demand control or a cost quota needs costs. */
function costStage(supergraph: Supergraph, config: GatewayConfig): CostStage | undefined {
  const costQuotas = config.quotas.rules.some(chargesCost);
  const demandControl = config.demand_control;
  if (!demandControl.enabled && !costQuotas) return undefined;
  return new CostStage({
    model: buildCostModel(supergraph, costModelOptions(demandControl)),
    demandControl,
    costRequired: costQuotas || (demandControl.enabled && demandControl.mode === 'enforce'),
  });
}

/** An error's message on one line, bounded: enough to act on, never a wall of text. */
function firstLine(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ').trim();
  return text.length <= 300 ? text : `${text.slice(0, 300)}…`;
}

function chargesCost(rule: QuotaRuleConfig): boolean {
  return rule.cost !== undefined || [...Object.values(rule.profiles), ...Object.values(rule.clients)].some((limits) => limits.cost !== undefined);
}

/** `/ready`: 503 until the supergraph is loaded and the quota store is connected (or its wait is over). */
function readiness(stages: Stages): { ready: boolean; body: Record<string, unknown> } {
  if (stages.graph === undefined) return { ready: false, body: { status: 'loading' } };
  if (stages.quotas === undefined) return { ready: true, body: { status: 'ready' } };
  // The quota store's state rides along (degraded: Redis failing, `on_store_failure` in force).
  const ready = stages.quotas.ready();
  return { ready, body: { status: ready ? 'ready' : 'connecting', quotas: stages.quotas.status() } };
}

async function stopAll(
  server: Server | undefined,
  loaded: { graph: LoadedGraph; federation: FederationGateway } | undefined,
  quotaStore: QuotaStoreHandle | undefined,
  authenticator: Authenticator,
): Promise<void> {
  if (server) await closeServer(server);
  await loaded?.graph.apollo.stop();
  await loaded?.federation.close();
  await quotaStore?.close();
  authenticator.close();
}
