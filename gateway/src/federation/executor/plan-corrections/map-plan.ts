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

/** A fetch node of the plan and where it runs. */
export interface LocatedFetch {
  fetch: FetchNode;
  /** The Flatten path the fetch runs at ([] for a root fetch). */
  path: ReadonlyArray<string | number>;
  /** Set when it sits in a Defer or Subscription: mapFetches leaves those as planned. */
  within?: 'Defer' | 'Subscription';
}

/**
 * Every fetch node of the plan in plan order, both branches of a Condition, and those in a Defer
 * or Subscription too (marked by `within`; callers that rewrite through mapFetches skip them).
 */
export function locateFetches(plan: QueryPlan): LocatedFetch[] {
  const located: LocatedFetch[] = [];
  const visit = (node: PlanNode | SubscriptionNode | undefined, path: ReadonlyArray<string | number>, within: LocatedFetch['within']): void => {
    if (!node) return;
    switch (node.kind) {
      case 'Fetch':
        located.push(within ? { fetch: node, path, within } : { fetch: node, path });
        return;
      case 'Flatten':
        return visit(node.node, [...path, ...node.path], within);
      case 'Sequence':
      case 'Parallel':
        for (const child of node.nodes) visit(child, path, within);
        return;
      case 'Condition':
        visit(node.ifClause, path, within);
        visit(node.elseClause, path, within);
        return;
      case 'Defer':
        visit(node.primary.node, path, within ?? 'Defer');
        for (const deferred of node.deferred) visit(deferred.node, path, within ?? 'Defer');
        return;
      case 'Subscription':
        visit(node.primary, path, within ?? 'Subscription');
        visit(node.rest, path, within ?? 'Subscription');
        return;
    }
  };
  visit(plan.node, [], undefined);
  return located;
}

/** Every fetch node mapFetches reaches (none in a Defer or Subscription), in plan order. */
export function fetchesOf(plan: QueryPlan): FetchNode[] {
  return locateFetches(plan)
    .filter((located) => !located.within)
    .map((located) => located.fetch);
}

/** The fetch's operation as a document (the planner's own when it kept one). */
export function fetchDocument(fetch: FetchNode): DocumentNode {
  return fetch.operationDocumentNode ?? parse(fetch.operation);
}

/** The fetch with a rewritten operation: text and document kept in step (both executors read them). */
export function withOperation(fetch: FetchNode, document: DocumentNode): FetchNode {
  return { ...fetch, operation: stripIgnoredCharacters(print(document)), operationDocumentNode: document };
}
