import type { PlanNode, QueryPlan, SubscriptionNode } from '@apollo/query-planner';
import type { QueryPlanSummary, QueryPlanSummaryNode } from '../../core/query-plan-summary.ts';
import { countFetches } from './fetch-budget.ts';

// Plans are cached (both executors hand the same object back): each is summarized once.
const summaries = new WeakMap<QueryPlan, QueryPlanSummary>();

/** The plan as the explorer shows it; made only for a request that asked (`tollgate-expose-query-plan`). */
export function summarizePlan(plan: QueryPlan): QueryPlanSummary {
  let summary = summaries.get(plan);
  if (summary === undefined) {
    summary = { fetches: countFetches(plan), node: plan.node ? summarize(plan.node) : null };
    summaries.set(plan, summary);
  }
  return summary;
}

function summarize(node: PlanNode | SubscriptionNode): QueryPlanSummaryNode {
  switch (node.kind) {
    case 'Fetch':
      return { kind: 'Fetch', subgraph: node.serviceName };
    case 'Sequence':
    case 'Parallel':
      return { kind: node.kind, nodes: node.nodes.map(summarize) };
    case 'Flatten': {
      const path = node.path.join('.');
      // An entity fetch: one node saying where its results go.
      if (node.node.kind === 'Fetch') return { kind: 'Fetch', subgraph: node.node.serviceName, path };
      return { kind: 'Flatten', path, nodes: [summarize(node.node)] };
    }
    case 'Condition':
      return { kind: 'Condition', condition: node.condition, nodes: [node.ifClause ? summarize(node.ifClause) : null, node.elseClause ? summarize(node.elseClause) : null] };
    case 'Defer':
      return { kind: 'Defer', nodes: [...(node.primary.node ? [summarize(node.primary.node)] : []), ...node.deferred.flatMap((deferred) => (deferred.node ? [summarize(deferred.node)] : []))] };
    case 'Subscription':
      return { kind: 'Sequence', nodes: [summarize(node.primary), ...(node.rest ? [summarize(node.rest)] : [])] };
  }
}
