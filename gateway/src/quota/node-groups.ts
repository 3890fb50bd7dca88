// On a Redis Cluster one pipeline may only hold commands for the slots of one node (ioredis refuses
// the rest: "All keys in the pipeline should belong to the same slots allocation group"), so the
// quota store splits its pipelines by node, reading the map of slots to nodes that ioredis keeps
// (and updates on every MOVED). The slot comes from cluster-key-slot, the function ioredis itself
// uses. On one server (or through Sentinel) everything is one group.
import calculateSlot from 'cluster-key-slot';
import { isCluster, type RedisClient } from '../core/redis-client.ts';

/** `items` split by the node that serves the slot of `keyOf(item)`, each group in the given order. */
export function byNode<T>(client: RedisClient, items: readonly T[], keyOf: (item: T) => string): T[][] {
  if (!isCluster(client) || items.length < 2) return [[...items]];
  const groups = new Map<number | string, T[]>();
  for (const item of items) {
    const slot = calculateSlot(keyOf(item));
    // A slot whose node is not known yet is a group of its own (ioredis then finds its node).
    const group = client._groupsBySlot[slot] ?? `slot ${slot}`;
    const members = groups.get(group);
    if (members) members.push(item);
    else groups.set(group, [item]);
  }
  return [...groups.values()];
}

/**
 * A Cluster reply that means the command did not run: its slot is served elsewhere (MOVED), is
 * moving (ASK, TRYAGAIN) or the cluster is down (CLUSTERDOWN). ioredis follows these for a command
 * sent alone; in a pipeline whose other commands ran it leaves them to the caller.
 */
export function isRedirection(error: unknown): boolean {
  return error instanceof Error && /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /.test(error.message);
}
