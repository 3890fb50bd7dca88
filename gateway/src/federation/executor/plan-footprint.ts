// What a cached plan (PreparedOperation) costs on the heap, for the plan cache's byte budget. It
// grows with the client operation (Apollo's operation objects, the compiled response shaper) and
// with its fetches (each fetch's operation text, kept by the plan and again pre-serialised in its
// request body). Fitted with bench/cache-footprint.ts on four shapes: 7 KB (one-hop query, 1
// fetch), 59 KB (heavy query, 758 characters, 16 fetches), 58 KB (twenty aliased root fields,
// 1 fetch), 18 KB (deep query, 4 fetches); the estimate errs 10–25% high. The document itself is
// the document cache's (documentFootprint).
import type { PlanNode, SubscriptionNode } from '@apollo/query-planner';
import type { ASTNode } from 'graphql';
import type { PreparedOperation } from './prepare-operation.ts';

const BYTES_PER_ENTRY = 4096;
/** Per character of the client operation (its fragments included). */
const BYTES_PER_OPERATION_CHAR = 40;
/** Per character of the subgraph operations its fetches send. */
const BYTES_PER_FETCH_CHAR = 16;

export function planFootprint(prepared: PreparedOperation): number {
  const fetchChars = fetchTextLength(prepared.queryPlan.node);
  const { operation, fragments } = prepared.operationContext;
  let operationChars = span(operation);
  for (const name in fragments) operationChars += span(fragments[name]);
  // A document built without locations (none from stage 4): its fetches are the next best measure.
  if (operationChars === 0) operationChars = fetchChars;
  return BYTES_PER_ENTRY + BYTES_PER_OPERATION_CHAR * operationChars + BYTES_PER_FETCH_CHAR * fetchChars;
}

function span(node: ASTNode | undefined): number {
  return node?.loc ? node.loc.end - node.loc.start : 0;
}

function fetchTextLength(node: PlanNode | SubscriptionNode | undefined): number {
  if (node === undefined) return 0;
  switch (node.kind) {
    case 'Fetch':
      return node.operation.length;
    case 'Sequence':
    case 'Parallel':
      return node.nodes.reduce((sum, child) => sum + fetchTextLength(child), 0);
    case 'Flatten':
      return fetchTextLength(node.node);
    case 'Condition':
      return fetchTextLength(node.ifClause) + fetchTextLength(node.elseClause);
    case 'Defer':
      return fetchTextLength(node.primary.node) + node.deferred.reduce((sum, deferred) => sum + fetchTextLength(deferred.node), 0);
    case 'Subscription':
      return fetchTextLength(node.primary) + fetchTextLength(node.rest);
  }
}
