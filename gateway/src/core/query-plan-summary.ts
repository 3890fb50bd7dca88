/**
 * A query plan as the explorer shows it (`extensions.queryPlan`, `explorer.expose_query_plan`):
 * which subgraphs are fetched, one after another (Sequence) or at the same time (Parallel), and
 * where in the response an entity fetch's results go (`path`). The executor builds it from the
 * planner's plan (federation/executor/plan-summary.ts); the pipeline puts it in the response.
 */
export interface QueryPlanSummary {
  /** Fetch nodes (subgraph fetches; entity fetches batched into one request still count each). */
  readonly fetches: number;
  /** Null: nothing is fetched (e.g. introspection or `__typename` alone). */
  readonly node: QueryPlanSummaryNode | null;
}

export interface QueryPlanSummaryNode {
  readonly kind: 'Sequence' | 'Parallel' | 'Fetch' | 'Flatten' | 'Condition' | 'Defer';
  /** Fetch: the subgraph. */
  readonly subgraph?: string;
  /** Fetch of entities (and Flatten): where in the response they are merged, e.g. `user.recentOrders.@`. */
  readonly path?: string;
  /** Condition: the variable; its `nodes` are the if and else branches (null when empty). */
  readonly condition?: string;
  readonly nodes?: readonly (QueryPlanSummaryNode | null)[];
}
