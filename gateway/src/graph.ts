// One supergraph's stages (wiring): the executor over it, Apollo Server hosting it, the document
// and cost stages for it. Built at start-up and again on every hot reload or config reload; the
// pipeline runs each request on the graph it started with.
import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Supergraph as FederationSupergraph } from '@apollo/federation-internals';
import { Kind, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { createOperationAuthorizer, supergraphForExecutor } from './authorization/index.ts';
import type { EdgeCache } from './cache/edge-cache.ts';
import { graphCache } from './cache/graph-cache.ts';
import type { GatewayConfig } from './config/schema.ts';
import { parseSupergraph, type ParsedSupergraph } from './core/supergraph.ts';
import { costModelOptions } from './cost/config.ts';
import { buildCostModel } from './cost/model.ts';
import { CostStage } from './cost/stage.ts';
import type { PersistedQueryStore } from './document/apq-store.ts';
import type { ManifestEntry } from './document/manifest.ts';
import type { DocumentLimits } from './document/limits.ts';
import { DocumentStage, ValidatedDocumentStore, type DocumentStageOptions } from './document/stage.ts';
import type { TrustedDocuments } from './document/trusted-documents.ts';
import { createApolloServer } from './federation/apollo-server.ts';
import { createFederationGateway, type FederationGateway, type SubgraphSources } from './federation/gateway.ts';
import type { LoadedGraph } from './pipeline.ts';
import type { CacheBounds } from './memory/config.ts';
import type { QuotaRuleConfig } from './quota/config.ts';
import { Cors } from './http/cors.ts';
import { CacheHints, CachePolicies } from './core/cache-policy.ts';
import { RestEndpoints } from './rest/endpoints.ts';
import { SupergraphLoadError } from './schema/supergraph-source.ts';

/** A loaded graph and the federation gateway under it (closed together). */
export interface GraphLoad {
  graph: LoadedGraph;
  federation: FederationGateway;
  /** Trusted documents that do not validate against this supergraph, one message each. */
  warmFailures: string[];
  /** Set by closeGraph: planning ahead on it stops. */
  closed: boolean;
}

/** The trusted documents every graph serves, and the entries loaded so far (warmed on each graph). */
export interface TrustedSet {
  documents: TrustedDocuments;
  entries: readonly ManifestEntry[];
}

/** The supergraph of one load: its SDL and the one parse and build of it everything else reads. */
interface Supergraph extends ParsedSupergraph {
  sdl: string;
}

/**
 * Stages 4 and 6 for one supergraph (an SDL already rewritten by `supergraphForExecutor`). Throws
 * SupergraphLoadError, naming the problem in one line, for an SDL that is no loadable supergraph.
 */
export async function loadGraph(
  sdl: string,
  config: GatewayConfig,
  logger: Logger,
  persistedQueries: PersistedQueryStore,
  trusted: TrustedSet,
  sources: SubgraphSources,
  caches: Pick<CacheBounds, 'plans' | 'documents'>,
  edgeCache?: EdgeCache | undefined,
): Promise<GraphLoad> {
  let supergraph: Supergraph;
  try {
    supergraph = { sdl, ...parseSupergraph(sdl) };
  } catch (error) {
    throw new SupergraphLoadError(`supergraph: not a valid supergraph SDL: ${firstLine(error)}`);
  }
  const authorize = createOperationAuthorizer(supergraph);
  const federation = createFederationGateway({ sdl: supergraph.sdl, document: supergraph.document }, config, logger, {
    authorize,
    sources,
    planCache: caches.plans,
    cache: edgeCache && graphCache(edgeCache, supergraph, logger.child({ component: 'cache' })),
  });
  let apiSchema: GraphQLSchema | undefined;
  federation.gateway.onSchemaLoadOrUpdate((loaded) => {
    apiSchema = loaded.apiSchema;
  });
  const documentStore = new ValidatedDocumentStore(caches.documents.maxEntries, caches.documents.maxBytes);
  const profiles = Object.values(config.clients.profiles);
  // Stage 4 decides per profile; Apollo Server (which validates only a document stage 4 did not
  // hand over) must not refuse what a profile allows.
  const apollo = createApolloServer(
    federation.gateway,
    { introspection: config.server.introspection || profiles.some((p) => p.introspection === true), debug: config.server.debug, documentStore, suggestions: config.server.suggestions ?? config.server.introspection },
    logger,
  );
  try {
    await apollo.start(); // loads the supergraph into the executor: the API schema arrives above
  } catch (error) {
    await federation.close();
    // E.g. a subgraph schema given as a supergraph, or a supergraph of a federation version the
    // executor does not know: the operator's file, said in one line.
    throw new SupergraphLoadError(`supergraph: cannot be loaded: ${firstLine(error)}`);
  }
  const document = createDocumentStage(apiSchema as GraphQLSchema, config, { persistedQueries, trustedDocuments: trusted.documents, documentStore, caches });
  const hints = CacheHints.fromSupergraph(supergraph.document);
  let rest: RestEndpoints | undefined;
  try {
    rest = restEndpoints(config, apiSchema as GraphQLSchema, hints, trusted);
  } catch (error) {
    await apollo.stop();
    await federation.close();
    throw error;
  }
  const graph: LoadedGraph = {
    schemaHash: createHash('sha256').update(sdl).digest('hex').slice(0, 16),
    loadedAt: new Date(),
    inFlight: 0,
    document,
    cost: costStage(supergraph, config),
    apollo,
    rest,
    cachePolicies: hints && new CachePolicies(apiSchema as GraphQLSchema, hints),
  };
  // Before it serves: every trusted document's first request finds it parsed and validated (and,
  // once planTrustedDocuments ran, planned).
  const warmFailures = document.warm(trusted.entries);
  return { graph, federation, warmFailures, closed: false };
}

/**
 * Stage 4 over an API schema as gateway.yaml sets it up. `operations publish` builds one too, so
 * it refuses exactly the trusted documents a gateway would find invalid, with the same messages.
 */
export function createDocumentStage(
  apiSchema: GraphQLSchema,
  config: GatewayConfig,
  parts: Pick<DocumentStageOptions, 'persistedQueries' | 'trustedDocuments' | 'documentStore'> & { caches: Pick<CacheBounds, 'documents'> },
): DocumentStage {
  const { max_depth, max_height, max_aliases, max_root_fields, max_directives_per_field } = config.limits;
  return new DocumentStage({
    schema: apiSchema,
    maxTokens: config.limits.parser_max_tokens,
    introspection: config.server.introspection,
    introspectionPerProfile: introspectionPerProfile(config),
    suggestions: config.server.suggestions ?? config.server.introspection,
    limits: { max_depth, max_height, max_aliases, max_root_fields, max_directives_per_field },
    profileLimits: profileLimits(config),
    persistedQueries: parts.persistedQueries,
    trustedDocuments: parts.trustedDocuments,
    documentStore: parts.documentStore,
    cacheSize: parts.caches.documents.maxEntries,
    cacheBytes: parts.caches.documents.maxBytes,
  });
}

/**
 * Stage 4 and its cost half over a supergraph SDL, as a gateway of `config` builds them, for
 * `operations publish` (no executor: the API schema is built here as the executor builds it).
 * Throws SupergraphLoadError for an SDL that is no loadable supergraph.
 */
export function checkStages(
  rawSdl: string,
  config: GatewayConfig,
  parts: Pick<DocumentStageOptions, 'persistedQueries' | 'documentStore'> & { caches: Pick<CacheBounds, 'documents'> },
): { document: DocumentStage; cost: CostStage | undefined } {
  const sdl = supergraphForExecutor(rawSdl);
  let apiSchema: GraphQLSchema;
  let supergraph: Supergraph;
  try {
    apiSchema = FederationSupergraph.build(sdl).apiSchema().toGraphQLJSSchema();
    supergraph = { sdl, ...parseSupergraph(sdl) };
  } catch (error) {
    throw new SupergraphLoadError(`supergraph: not a loadable supergraph SDL: ${firstLine(error)}`);
  }
  return { document: createDocumentStage(apiSchema, config, { ...parts, trustedDocuments: undefined }), cost: costStage(supergraph, config) };
}

/** Some client profile sets its own `introspection` other than `server.introspection`. */
function introspectionPerProfile(config: GatewayConfig): boolean {
  return Object.values(config.clients.profiles).some((p) => p.introspection !== undefined && p.introspection !== config.server.introspection);
}

/** What planTrustedDocuments did on one graph. */
export interface PlanAheadOutcome {
  /** Operations now in the plan cache. */
  planned: number;
  /** Operations not planned: progressive @override (each request draws its labels), or the planner refused. */
  skipped: number;
  /** Documents left for their first request: `executor: apollo` (its plan cache is its own), the plan cache reached its bounds, or the graph was closed. */
  left: number;
}

/**
 * Plans validated trusted documents into the graph's plan cache, one document per event-loop turn
 * (requests on a serving graph wait at most one plan), in manifest order. Bounded: it stops where
 * the plan cache (`memory.plan_cache`) is full, so it never evicts a plan, and when the graph is
 * closed. Documents that did not validate are passed over (their requests get the errors).
 */
export async function planTrustedDocuments(load: GraphLoad, entries: readonly { body: string }[], bounds: CacheBounds['plans']): Promise<PlanAheadOutcome> {
  const outcome: PlanAheadOutcome = { planned: 0, skipped: 0, left: 0 };
  const { planAhead, executorStats } = load.federation;
  if (planAhead === undefined) return { ...outcome, left: entries.length };
  for (const [index, { body }] of entries.entries()) {
    const usage = executorStats?.planCache;
    if (load.closed || (usage !== undefined && (usage.size >= bounds.maxEntries || usage.bytes >= bounds.maxBytes))) {
      outcome.left = entries.length - index;
      break;
    }
    const trusted = load.graph.document.trusted(body);
    for (const definition of trusted?.document.definitions ?? []) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      if (planAhead(trusted!.document, trusted!.hash, definition.name?.value)) outcome.planned += 1;
      else outcome.skipped += 1;
    }
    await nextTurn();
  }
  return outcome;
}

/** Each profile's own document limits: `limits.profiles.<name>` and `clients.profiles.<name>.limits` (config refuses both for one name). */
function profileLimits(config: GatewayConfig): Record<string, Partial<DocumentLimits>> {
  const limits: Record<string, Partial<DocumentLimits>> = { ...config.limits.profiles };
  for (const [name, profile] of Object.entries(config.clients.profiles)) {
    if (profile.limits !== undefined) limits[name] = profile.limits;
  }
  // `anonymous` not listed runs under `default`'s policy (clients/stage.ts): its limits too.
  const fallback = config.clients.profiles['default']?.limits;
  if (fallback !== undefined && config.clients.profiles['anonymous'] === undefined && limits['anonymous'] === undefined) limits['anonymous'] = fallback;
  return limits;
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

/**
 * `rest_endpoints` on this supergraph; undefined when none are configured. Throws ConfigError naming
 * the endpoint's key when one does not fit (its document unknown or invalid, a variable a query
 * string cannot carry, …): start-up fails, and a reload keeps the graph it had.
 */
function restEndpoints(config: GatewayConfig, schema: GraphQLSchema, hints: CacheHints | undefined, trusted: TrustedSet): RestEndpoints | undefined {
  if (Object.keys(config.rest_endpoints.endpoints).length === 0) return undefined;
  const { authentication } = config;
  return new RestEndpoints({
    config: config.rest_endpoints,
    schema,
    hints,
    documentText: (id) => trusted.documents.get(id),
    maxTokens: config.limits.parser_max_tokens,
    security: { bearer: authentication.jwt !== undefined, apiKeyHeader: authentication.api_keys?.header_name, required: authentication.required },
    answers: {
      requestIdHeader: config.telemetry.request_id_header,
      quotas: config.quotas.rules.length > 0,
      authFailureLimit: (authentication.jwt !== undefined || authentication.api_keys !== undefined) && authentication.failure_limit !== false,
      cors: Cors.create(config.cors, Object.values(config.clients.profiles).map((profile) => profile.cors)) && { allowCredentials: config.cors.allow_credentials },
    },
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

/** Stops a graph's Apollo Server and closes its subgraph pools. */
export async function closeGraph(load: GraphLoad): Promise<void> {
  load.closed = true;
  await load.graph.apollo.stop();
  await load.federation.close();
}
