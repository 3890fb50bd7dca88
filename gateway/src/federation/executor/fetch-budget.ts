import type { PlanNode, QueryPlan, SubscriptionNode } from '@apollo/query-planner';
import { GraphQLError } from 'graphql';

/**
 * `limits.max_subgraph_fetches`: how many subgraph fetches a query plan may make, checked on the
 * plan before anything is fetched (both executors). A fetch node counts once however many
 * entities it carries, and each node counts even when Tollgate's executor sends several in one
 * request (fetch batching); of a condition's two branches only the larger counts (one runs).
 * The default, 100, is declared with the other limits (http/config.ts): the demo's home-screen
 * query (all four subgraphs, @requires) plans 9 and a real screen rarely passes 20, so 100 leaves
 * ample headroom while stopping one request from fanning out into a thousand subgraph calls
 * (700 root aliases of a list whose entities need an @requires field plan 1,401 fetches).
 */
export function countFetches(plan: QueryPlan): number {
  return plan.node ? countNode(plan.node) : 0;
}

function countNode(node: PlanNode | SubscriptionNode): number {
  switch (node.kind) {
    case 'Fetch':
      return 1;
    case 'Sequence':
    case 'Parallel': {
      let total = 0;
      for (const child of node.nodes) total += countNode(child);
      return total;
    }
    case 'Flatten':
      return countNode(node.node);
    case 'Condition':
      return Math.max(node.ifClause ? countNode(node.ifClause) : 0, node.elseClause ? countNode(node.elseClause) : 0);
    case 'Defer': {
      let total = node.primary.node ? countNode(node.primary.node) : 0;
      for (const deferred of node.deferred) if (deferred.node) total += countNode(deferred.node);
      return total;
    }
    case 'Subscription':
      return countNode(node.primary) + (node.rest ? countNode(node.rest) : 0);
  }
}

/** The refusal: 400 TOO_MANY_SUBGRAPH_FETCHES, thrown by the executor before the plan runs. */
export function tooManyFetches(count: number, max: number): GraphQLError {
  return new GraphQLError(`The query plan needs ${count} subgraph fetches, more than the limit of ${max}`, {
    extensions: { code: 'TOO_MANY_SUBGRAPH_FETCHES', fetches: count, max, http: { status: 400 } },
  });
}

// @apollo/gateway caches its plans and hands the same object back: count each plan once.
const counted = new WeakMap<QueryPlan, number>();

/** For `executor: apollo`: throws the refusal when `plan` is over `max`. */
export function checkFetchBudget(plan: QueryPlan, max: number): void {
  let count = counted.get(plan);
  if (count === undefined) {
    count = countFetches(plan);
    counted.set(plan, count);
  }
  if (count > max) throw tooManyFetches(count, max);
}
