import type { FetchNode, PlanNode, QueryPlan, SubscriptionNode } from '@apollo/query-planner';
import { parse, stripIgnoredCharacters, print, type DocumentNode } from 'graphql';

/**
 * A copy of the plan where `replace` decides each fetch node: the same node (unchanged), or the
 * nodes to run instead; several replace it with a Parallel (each under the fetch's Flatten).
 * Nodes that contain no replaced fetch are kept as they are.
 */
export function mapFetches(plan: QueryPlan, replace: (fetch: FetchNode) => FetchNode | FetchNode[]): QueryPlan {
  if (!plan.node) return plan;
  const node = mapNode(plan.node, replace);
  return node === plan.node ? plan : { ...plan, node: node as QueryPlan['node'] };
}

function mapNode(node: PlanNode | SubscriptionNode, replace: (fetch: FetchNode) => FetchNode | FetchNode[]): PlanNode | SubscriptionNode {
  switch (node.kind) {
    case 'Fetch': {
      const replaced = replace(node);
      if (!Array.isArray(replaced)) return replaced;
      return replaced.length === 1 ? (replaced[0] as FetchNode) : { kind: 'Parallel', nodes: replaced };
    }
    case 'Flatten': {
      const inner = mapNode(node.node, replace) as PlanNode;
      if (inner === node.node) return node;
      // A split entity fetch: each part runs at the same path.
      if (inner.kind === 'Parallel' && node.node.kind === 'Fetch') {
        return { kind: 'Parallel', nodes: inner.nodes.map((part) => ({ ...node, node: part })) };
      }
      return { ...node, node: inner };
    }
    case 'Sequence':
    case 'Parallel': {
      const nodes = node.nodes.map((child) => mapNode(child, replace) as PlanNode);
      return nodes.every((child, i) => child === node.nodes[i]) ? node : { ...node, nodes };
    }
    case 'Condition': {
      const ifClause = node.ifClause && (mapNode(node.ifClause, replace) as PlanNode);
      const elseClause = node.elseClause && (mapNode(node.elseClause, replace) as PlanNode);
      return ifClause === node.ifClause && elseClause === node.elseClause ? node : { ...node, ifClause, elseClause };
    }
    default:
      // @defer and subscriptions run on Apollo's executor, as planned.
      return node;
  }
}

/** Every fetch node of the plan, in plan order. */
export function fetchesOf(plan: QueryPlan): FetchNode[] {
  const fetches: FetchNode[] = [];
  mapFetches(plan, (fetch) => {
    fetches.push(fetch);
    return fetch;
  });
  return fetches;
}

/** The fetch's operation as a document (the planner's own when it kept one). */
export function fetchDocument(fetch: FetchNode): DocumentNode {
  return fetch.operationDocumentNode ?? parse(fetch.operation);
}

/** The fetch with a rewritten operation: text and document kept in step (both executors read them). */
export function withOperation(fetch: FetchNode, document: DocumentNode): FetchNode {
  return { ...fetch, operation: stripIgnoredCharacters(print(document)), operationDocumentNode: document };
}
