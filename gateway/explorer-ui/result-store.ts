// What the gateway said about the last operation the explorer ran: filled by the fetcher from the
// response's headers and extensions, read by the panel beside the result.
export interface QueryPlanNode {
  kind: 'Sequence' | 'Parallel' | 'Fetch' | 'Flatten' | 'Condition' | 'Defer';
  subgraph?: string;
  path?: string;
  condition?: string;
  nodes?: QueryPlanNode[];
}

export interface RunFacts {
  status: number;
  requestId: string | null;
  /** extensions.cost (Shopify's shape), when the gateway computed a cost. */
  cost: { requestedQueryCost?: number; actualQueryCost?: number; throttleStatus?: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number } } | undefined;
  /** x-ratelimit-remaining / -limit of the tightest quota policy; null without quotas. */
  remaining: string | null;
  limit: string | null;
  ratelimit: string | null;
  queryPlan: { fetches: number; node: QueryPlanNode | null } | undefined;
  durationMs: number;
}

type Listener = () => void;
let current: RunFacts | undefined;
const listeners = new Set<Listener>();

export const runFacts = {
  get: (): RunFacts | undefined => current,
  set(next: RunFacts): void {
    current = next;
    for (const listener of listeners) listener();
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
