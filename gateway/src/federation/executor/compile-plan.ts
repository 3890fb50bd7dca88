import type { Operation } from '@apollo/federation-internals';
import type { FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode, ResponsePath, SubscriptionNode } from '@apollo/query-planner';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { SubgraphRequest } from '../../core/request-context.ts';
import type { FetchBatching } from './batching/batch-plan.ts';
import { flatRepresentation, type FlatRepresentation } from './representations.ts';
import { compileRewrites, type CompiledRewrites } from './rewrites.ts';
import type { TypeConditions } from './type-conditions.ts';
import { UnsupportedPlanError } from './unsupported.ts';

/** What the executor needs of a subgraph: post a serialized GraphQL request, get the parsed answer. */
export interface SubgraphSender {
  /** `kind` is the fetch's operation type: only queries are retried or deduplicated. */
  send(body: string, request: SubgraphRequest | undefined, kind: 'query' | 'mutation' | 'subscription'): Promise<GatewayGraphQLResponse>;
  /** False: the subgraph cannot take several aliased `_entities` in one operation (default true). */
  readonly batchEntityFetches?: boolean;
}

/** A query plan with everything that does not depend on the request worked out once. */
export type Step = SequenceStep | ParallelStep | FlattenStep | ConditionStep | FetchStep;

export interface SequenceStep {
  kind: 'Sequence';
  steps: Step[];
}

export interface ParallelStep {
  kind: 'Parallel';
  steps: Step[];
}

export interface FlattenStep {
  kind: 'Flatten';
  path: ResponsePath;
  step: Step;
}

export interface ConditionStep {
  kind: 'Condition';
  variable: string;
  /** The operation's default for the variable (used when the request leaves it out). */
  defaultValue: unknown;
  ifClause: Step | undefined;
  elseClause: Step | undefined;
}

export interface FetchStep {
  kind: 'Fetch';
  serviceName: string;
  sender: SubgraphSender | undefined;
  /** The subgraph operation's type, from the plan. */
  operationKind: 'query' | 'mutation' | 'subscription';
  /** The request body up to the variables: `{"query":…,"operationName":…,"variables":`. */
  bodyPrefix: string;
  variableUsages: readonly string[];
  /** Entity fetch: what each representation is built from. */
  requires: readonly QueryPlanSelectionNode[] | undefined;
  /** The same, when simple enough to be written as JSON directly (and nothing rewrites it). */
  flatRepresentation: FlatRepresentation | undefined;
  inputRewrites: CompiledRewrites | undefined;
  outputRewrites: CompiledRewrites | undefined;
  /**
   * Representations that differ only through input rewrites (an @interfaceObject's concrete
   * types) must stay apart: each gets its own __typename back.
   */
  dedupeKeyNeedsTypename: boolean;
  /** The plan's node, as the planner made it. */
  node: FetchNode;
  /** Set (by planBatches) when this entity fetch may share a request with others of its subgraph. */
  batch: FetchBatching | undefined;
}

/**
 * Compiles a query plan, or throws UnsupportedPlanError for what Apollo's executor must run
 * (@defer, subscriptions, @fromContext's context rewrites).
 */
export function compilePlan(
  plan: QueryPlan,
  operation: Operation,
  senders: ReadonlyMap<string, SubgraphSender>,
  types: TypeConditions,
): Step | undefined {
  if (!plan.node) return undefined;
  return compileNode(plan.node, operation, senders, types);
}

function compileNode(
  node: PlanNode | SubscriptionNode,
  operation: Operation,
  senders: ReadonlyMap<string, SubgraphSender>,
  types: TypeConditions,
): Step {
  const compile = (child: PlanNode) => compileNode(child, operation, senders, types);
  switch (node.kind) {
    case 'Sequence':
      return { kind: 'Sequence', steps: node.nodes.map(compile) };
    case 'Parallel':
      return { kind: 'Parallel', steps: node.nodes.map(compile) };
    case 'Flatten':
      return { kind: 'Flatten', path: node.path, step: compile(node.node) };
    case 'Condition':
      return {
        kind: 'Condition',
        variable: node.condition,
        defaultValue: operation.variableDefinitions.definition(node.condition)?.defaultValue,
        ifClause: node.ifClause && compile(node.ifClause),
        elseClause: node.elseClause && compile(node.elseClause),
      };
    case 'Fetch': {
      if (node.contextRewrites && node.contextRewrites.length > 0) throw new UnsupportedPlanError('@fromContext (context rewrites)');
      if (node.hasDefers) throw new UnsupportedPlanError('@defer');
      const prefix =
        `{"query":${JSON.stringify(node.operation)}` +
        (node.operationName === undefined ? '' : `,"operationName":${JSON.stringify(node.operationName)}`) +
        ',"variables":';
      return {
        kind: 'Fetch',
        serviceName: node.serviceName,
        sender: senders.get(node.serviceName),
        operationKind: node.operationKind,
        bodyPrefix: prefix,
        variableUsages: node.variableUsages ?? [],
        requires: node.requires,
        flatRepresentation: node.requires && !node.inputRewrites?.length ? flatRepresentation(node.requires) : undefined,
        inputRewrites: compileRewrites(node.inputRewrites, types),
        outputRewrites: compileRewrites(node.outputRewrites, types),
        dedupeKeyNeedsTypename: (node.inputRewrites?.length ?? 0) > 0,
        node,
        batch: undefined,
      };
    }
    default:
      throw new UnsupportedPlanError(`${node.kind} nodes`);
  }
}
