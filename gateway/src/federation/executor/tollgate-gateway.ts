import { buildOperationContext, executeQueryPlan, type ServiceEndpointDefinition } from '@apollo/gateway';
import type {
  GatewayExecutionResult,
  GatewayGraphQLRequestContext,
  GatewayInterface,
  GatewayLoadResult,
  GatewaySchemaLoadOrUpdateCallback,
  GatewayUnsubscriber,
} from '@apollo/server-gateway-interface';
import { GraphQLError, getVariableValues, type DocumentNode } from 'graphql';
import type { Logger } from 'pino';
import type { OperationAuthorizer } from '../../core/authorization-hook.ts';
import type { FetchCacheHook } from '../../core/fetch-cache.ts';
import type { RequestContext } from '../../core/request-context.ts';
import { authorizeRequest } from './authorizing-gateway.ts';
import { ExecutorStats } from './executor-stats.ts';
import { tooManyFetches } from './fetch-budget.ts';
import { loadSupergraph, type LoadedSupergraph, type SubgraphService } from './loaded-supergraph.ts';
import { LruCache } from '../../core/cache.ts';
import type { JsonObject } from './merge.ts';
import { planFootprint } from './plan-footprint.ts';
import { summarizePlan } from './plan-summary.ts';
import { prepareOperation, type PreparedOperation } from './prepare-operation.ts';
import { refusedField } from './plan-corrections/unreachable-fields.ts';
import { runPlan, type PlanRun } from './run-plan.ts';

export interface TollgateGatewayOptions {
  /**
   * The supergraph: `sdl` is what Apollo Server's schema-load callback gets; `document`, when the
   * caller already parsed the SDL (and shares the AST with cost and authorization), is built from
   * instead of parsing `sdl` again. Both must be the same supergraph.
   */
  supergraph: { sdl: string; document?: DocumentNode | undefined };
  /** One data source per subgraph, as ApolloGateway's `buildService`. */
  buildService: (definition: ServiceEndpointDefinition) => SubgraphService;
  logger: Logger;
  authorize?: OperationAuthorizer | undefined;
  /** Distinct operations whose compiled plans are kept; default 1000. */
  planCacheSize?: number | undefined;
  /** The plan cache's byte budget (planFootprint's estimate); default none. */
  planCacheBytes?: number | undefined;
  /** `limits.max_subgraph_fetches`: plans with more fetch nodes are refused before running; default no limit. */
  maxSubgraphFetches?: number | undefined;
  /** The edge cache (cache/): asked before each query fetch; default none. */
  cache?: FetchCacheHook | undefined;
  /** Where executed operations are counted; default a new one (read it from `stats`). */
  stats?: ExecutorStats | undefined;
}

/**
 * A GatewayInterface for Apollo Server with Tollgate's executor. It plans with Apollo's query
 * planner and keeps, per distinct operation, the plan compiled into fetch steps with
 * pre-serialized request bodies and a compiled response shaper; per request it only sends the
 * fetches, merges and shapes. It answers as @apollo/gateway does
 * (test/gateway/federation/differential.test.ts); a plan it does not run goes to
 * @apollo/gateway's executeQueryPlan, decided once per operation; `stats` counts which ran.
 */
export class TollgateGateway implements GatewayInterface {
  private readonly listeners = new Set<GatewaySchemaLoadOrUpdateCallback>();
  private readonly operations: LruCache<string, PreparedOperation>;
  private loaded: LoadedSupergraph | undefined;
  /** Operations run per executor, for metrics and tests. */
  readonly stats: ExecutorStats;

  constructor(private readonly options: TollgateGatewayOptions) {
    this.operations = new LruCache(options.planCacheSize ?? 1000, { maxBytes: options.planCacheBytes, sizeOf: planFootprint });
    this.stats = options.stats ?? new ExecutorStats();
    this.stats.planCache = this.operations;
  }

  onSchemaLoadOrUpdate(callback: GatewaySchemaLoadOrUpdateCallback): GatewayUnsubscriber {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  async load(): Promise<GatewayLoadResult> {
    const { sdl, document } = this.options.supergraph;
    const loaded = loadSupergraph(document ?? sdl, this.options.buildService);
    this.loaded = loaded;
    this.operations.clear();
    for (const listener of this.listeners) listener({ apiSchema: loaded.schema, coreSupergraphSdl: sdl });
    return { executor: (requestContext) => this.execute(loaded, requestContext) };
  }

  async stop(): Promise<void> {
    this.operations.clear();
  }

  /**
   * Plans one operation of a validated document into the plan cache, as its first request would
   * (trusted documents, at load: never on a request's path). The plan is the one of a caller whom
   * field authorization removes nothing from. False when nothing was planned: no supergraph yet,
   * progressive @override (each request draws its own labels), or the planner refused it.
   */
  planAhead(document: DocumentNode, queryHash: string, operationName: string | undefined): boolean {
    const loaded = this.loaded;
    if (loaded === undefined || loaded.overrideLabels !== undefined) return false;
    const key = planKey(queryHash, operationName, undefined);
    if (this.operations.has(key)) return true;
    try {
      const operationContext = buildOperationContext({ schema: loaded.schema, operationDocument: document, operationName });
      this.operations.set(key, prepareOperation(loaded, operationContext, document, operationName, undefined));
      return true;
    } catch {
      return false; // its first request plans it and answers the error
    }
  }

  private async execute(loaded: LoadedSupergraph, requestContext: GatewayGraphQLRequestContext): Promise<GatewayExecutionResult> {
    const { request } = requestContext;
    const authorized = authorizeRequest(this.options.authorize, requestContext);
    const document = authorized ? authorized.document : requestContext.document;
    // One plan per operation and per combination of progressive-override labels drawn on; the
    // operation by the name Apollo resolved, so a document's only operation has one key whether the
    // client named it or not (and a plan made ahead, planAhead, is found).
    const labels = loaded.overrideLabels?.draw();
    const key = planKey(authorized ? `authorized:${authorized.cacheKey}` : requestContext.queryHash, requestContext.operationName ?? request.operationName, labels?.key);

    // As ApolloGateway: resolve the operation, check the variables, then plan (cached here).
    let prepared = this.operations.get(key);
    const operationContext =
      prepared?.operationContext ??
      buildOperationContext({ schema: loaded.schema, operationDocument: document, operationName: request.operationName });
    const definitions = operationContext.operation.variableDefinitions;
    let coerced: Record<string, unknown> = NO_VARIABLES;
    if (definitions && definitions.length > 0) {
      const values = getVariableValues(loaded.schema, definitions, request.variables ?? {});
      if (values.errors) return authorized ? authorized.complete({ errors: values.errors }) : { errors: values.errors };
      coerced = values.coerced;
    }
    // Planning is watched (a span when tracing) from the cache look-up to the fetch budget's check.
    const planWatch = (requestContext.context as Partial<RequestContext>).planning?.planStarted();
    const cached = prepared !== undefined;
    try {
      if (prepared) {
        this.stats.planCacheHits++;
      } else {
        this.stats.planCacheMisses++;
        prepared = prepareOperation(loaded, operationContext, document, request.operationName, labels?.conditions);
        if (prepared.fallbackReason) {
          this.options.logger.debug({ reason: prepared.fallbackReason, operationName: request.operationName }, 'operation runs on the Apollo executor');
        }
        this.operations.set(key, prepared);
      }
      // Between planning and running, as @apollo/gateway's experimental_didResolveQueryPlan (executor: apollo).
      const maxFetches = this.options.maxSubgraphFetches;
      if (maxFetches !== undefined && prepared.fetchCount > maxFetches) throw tooManyFetches(prepared.fetchCount, maxFetches);
      const refused = prepared.refusals.length > 0 ? refusedField(prepared.refusals, coerced) : undefined;
      if (refused) throw refused;
    } catch (error) {
      planWatch?.ended({ cached, fetches: prepared?.fetchCount, error: errorCodeOf(error) });
      throw error;
    }
    planWatch?.ended({ cached, fetches: prepared.fetchCount });
    (requestContext.context as Partial<RequestContext>).exposeQueryPlan?.(summarizePlan(prepared.queryPlan));

    let result: GatewayExecutionResult;
    if (prepared.program) {
      this.stats.tollgate++;
      result = await this.run(loaded, prepared.program, requestContext, operationContext.operation.operation);
    } else {
      this.countFallback(prepared.fallbackReason ?? 'unknown', request.operationName);
      result = await executeQueryPlan(prepared.queryPlan, loaded.services, requestContext, operationContext, loaded.supergraphSchema, loaded.apiSchema);
    }
    return authorized ? authorized.complete(result) : result;
  }

  /** Counts a fallback; the first operation of each reason is logged at info (later ones only counted). */
  private countFallback(reason: string, operationName: string | null | undefined): void {
    if (this.stats.countFallback(reason) === 1) {
      this.options.logger.info(
        { reason, operationName },
        'operations with this plan shape run on the @apollo/gateway executor (logged once per reason)',
      );
    }
  }

  private async run(
    loaded: LoadedSupergraph,
    program: NonNullable<PreparedOperation['program']>,
    requestContext: GatewayGraphQLRequestContext,
    operationKind: string,
  ): Promise<GatewayExecutionResult> {
    const variables = requestContext.request.variables;
    const cacheHook = this.options.cache;
    const cache = cacheHook?.forRequest({ operationKind, operationName: requestContext.operationName ?? requestContext.request.operationName ?? undefined, context: requestContext.context as Partial<RequestContext> });
    const run: PlanRun = { requestContext, variables, types: loaded.types, errors: [], cache, cacheHook };
    const data: JsonObject = Object.create(null);
    if (program.step) await runPlan(run, program.step, data, program.batching);
    const errors = run.errors as GraphQLError[];
    // As Apollo's executeQueryPlan: value-completion errors only surface (as an extension) when
    // no fetch failed, and a failure while shaping replaces the whole response.
    try {
      const shaped = program.shaper.shape(data, variables);
      if (errors.length === 0 && shaped.errors.length > 0) return { extensions: { valueCompletion: shaped.errors }, data: shaped.data };
      return errors.length === 0 ? { data: shaped.data } : { errors, data: shaped.data };
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      if (error instanceof Error) return { errors: [new GraphQLError(error.message, { originalError: error })] };
      requestContext.logger.error('Unexpected error during query plan execution: ' + error);
      return { errors: [new GraphQLError('Unexpected error during query plan execution')] };
    }
  }
}

const NO_VARIABLES: Record<string, unknown> = Object.freeze({});

/** A plan's key: the document (its query hash, or the authorized document's key), the operation, the override labels drawn. */
function planKey(documentKey: string, operationName: string | null | undefined, labelsKey: string | undefined): string {
  return `${documentKey}\u0000${operationName ?? ''}${labelsKey === undefined ? '' : `\u0000${labelsKey}`}`;
}

/** A planning failure's `extensions.code`, or the error's name. */
function errorCodeOf(error: unknown): string {
  const code = error instanceof GraphQLError ? error.extensions['code'] : undefined;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'INTERNAL_SERVER_ERROR';
}
