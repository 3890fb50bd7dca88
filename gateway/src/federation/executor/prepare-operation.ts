import { operationFromDocument } from '@apollo/federation-internals';
import { buildOperationContext } from '@apollo/gateway';
import type { QueryPlan } from '@apollo/query-planner';
import { GraphQLError, Kind, type DocumentNode } from 'graphql';
import { planBatches } from './batching/batch-plan.ts';
import { deferLeafFetches } from './batching/defer-leaf-fetches.ts';
import { compilePlan, type Step } from './compile-plan.ts';
import { countFetches } from './fetch-budget.ts';
import { introspectionCompiler } from './introspection.ts';
import type { LoadedSupergraph } from './loaded-supergraph.ts';
import { ResponseShaper } from './shape-response.ts';
import type { ConditionalRefusal } from './plan-corrections/unreachable-fields.ts';
import { UnsupportedPlanError } from './unsupported.ts';

export type OperationContext = ReturnType<typeof buildOperationContext>;

/** Everything about one (document, operation name) that no request changes. */
export interface PreparedOperation {
  operationContext: OperationContext;
  queryPlan: QueryPlan;
  /** Fields no fetch can reach under @skip/@include with variables: refused per request. */
  refusals: readonly ConditionalRefusal[];
  /** The plan's fetch nodes (for `limits.max_subgraph_fetches`). */
  fetchCount: number;
  /**
   * Undefined: Apollo's executeQueryPlan runs this plan, for `fallbackReason`. `batching`: some
   * entity fetches may share a request (batching/batch-plan.ts).
   */
  program: { step: Step | undefined; shaper: ResponseShaper; batching: boolean } | undefined;
  fallbackReason: string | undefined;
}

/**
 * Plans one operation as ApolloGateway does (throwing what its planning throws), corrected where
 * @apollo/query-planner is wrong (plan-corrections/), then compiles
 * the plan and the response shaper; a plan Tollgate does not run is marked for fallback.
 */
export function prepareOperation(
  loaded: LoadedSupergraph,
  operationContext: OperationContext,
  document: DocumentNode,
  operationName: string | undefined,
  /** This request's progressive-override labels (plan-corrections/override-labels.ts). */
  overrideConditions?: Map<string, boolean>,
): PreparedOperation {
  const { corrections } = loaded;
  const toPlan = corrections?.documentToPlan(document);
  const planned = operationFromDocument(loaded.apiSchema, toPlan?.document ?? document, { operationName });
  const stockPlan = loaded.planner.buildQueryPlan(planned, {
    recursiveSelectionsLimitDisabled: process.env['APOLLO_DISABLE_SECURITY_RECURSIVE_SELECTIONS_CHECK'] === 'true',
    nonLocalSelectionsLimitDisabled: process.env['APOLLO_DISABLE_SECURITY_NON_LOCAL_SELECTIONS_CHECK'] === 'true',
    overrideConditions,
  });
  // Once per cached plan, and only for supergraphs where the planner can be wrong (README "Correctness").
  const { plan: queryPlan, refusals } = corrections && toPlan ? corrections.correct(stockPlan, planned, toPlan) : { plan: stockPlan, refusals: NO_REFUSALS };
  const fetchCount = countFetches(queryPlan);
  const fallback = (reason: string): PreparedOperation => ({ operationContext, queryPlan, refusals, fetchCount, program: undefined, fallbackReason: reason });
  try {
    // The shaper reads the operation exactly as Apollo's executor builds it (unvalidated, from
    // the selected operation and the fragments only).
    const operation = operationFromDocument(
      loaded.apiSchema,
      { kind: Kind.DOCUMENT, definitions: [operationContext.operation, ...Object.values(operationContext.fragments)] },
      { validate: false },
    );
    // Leaf fetches wait for a later fetch of their subgraph, to share its request (batching/).
    const step = deferLeafFetches(compilePlan(queryPlan, operation, loaded.senders, loaded.types));
    const shaper = new ResponseShaper(operation, introspectionCompiler(loaded.schema, operationContext.operation.variableDefinitions));
    const batching = planBatches(step);
    return { operationContext, queryPlan, refusals, fetchCount, program: { step, shaper, batching }, fallbackReason: undefined };
  } catch (error) {
    if (error instanceof UnsupportedPlanError) return fallback(error.message);
    // Apollo's executor answers such an operation with this error, on every request.
    if (error instanceof GraphQLError) return fallback(`operation: ${error.message}`);
    throw error;
  }
}

const NO_REFUSALS: readonly ConditionalRefusal[] = Object.freeze([]);
