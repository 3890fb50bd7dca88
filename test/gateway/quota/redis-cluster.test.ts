// Issue 18: quotas on a real Redis Cluster of three masters (this test's own, on loopback ports).
// Two stores, each on its own cluster client as two gateway instances would be, share exact
// quotas; the EVALSHAs of one event-loop turn go out as one pipeline per node; a quota key's slot
// migrated to another master is followed (ASK while it moves, MOVED after) with the bucket carried
// over and nothing admitted twice; each check is one EVALSHA, counted on every node by INFO
// commandstats; and a master that dies fails its keys' checks at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { RedisClient } from '../../../gateway/src/core/redis-client.ts';
import { connectRedis } from '../../../gateway/src/quota/redis-connection.ts';
import { RedisQuotaStore } from '../../../gateway/src/quota/redis-store.ts';
import type { BucketTake, QuotaDecision } from '../../../gateway/src/quota/types.ts';
import { nodeClient, OwnRedisCluster } from '../../support/redis-cluster.ts';

const silent = pino({ level: 'silent' });
const requests = (limit: number): BucketTake => ({ name: 'requests', capacity: limit, windowS: 3600, take: 1 });
const cost = (limit: number, take: number): BucketTake => ({ name: 'cost', capacity: limit, windowS: 3600, take });
const admitted = (decisions: QuotaDecision[]) => decisions.filter((d) => d.admitted).length;

/** Script calls (EVALSHA) and every other command the clients sent, summed over the nodes. */
function sentByClients(stats: Record<string, number>) {
  // Redis counts what the script runs too (TIME, GET, SET); INFO, CONFIG RESETSTAT are this test's
  // own, and CLUSTER SLOTS is ioredis' periodic refresh of the slot map (not per request).
  const { evalsha = 0, 'evalsha:rejected': rejected = 0, time: _t, get: _g, set: _s, info: _i, 'config|resetstat': _c, 'cluster|slots': _cs, ...others } = stats;
  return { evalsha, rejected, others };
}

describe('quotas on a 3-master Redis Cluster', () => {
  let cluster: OwnRedisCluster;
  const connections: RedisClient[] = [];
  const stores: RedisQuotaStore[] = [];

  before(async () => {
    cluster = await OwnRedisCluster.start(3);
  });
  after(async () => {
    for (const store of stores) await store.close();
    for (const connection of connections) connection.disconnect();
    await cluster?.stop();
  });

  /** A store on a cluster client of its own, configured as `redis.cluster.nodes` would make it. */
  async function storeOn(prefix: string): Promise<RedisQuotaStore> {
    const connection = connectRedis({ deployment: { url: '', cluster: { nodes: cluster.urls } }, connectTimeoutMs: 1000 }, silent);
    connections.push(connection);
    const store = new RedisQuotaStore(connection, { keyPrefix: prefix });
    stores.push(store);
    await store.whenLoaded();
    return store;
  }

  /** `count` quota keys whose slots are served by the node on `port` (the quota key is the hash tag). */
  async function keysOn(port: number, count: number, stem: string): Promise<string[]> {
    const keys: string[] = [];
    for (let i = 0; keys.length < count; i++) {
      if ((await cluster.ownerOf(await cluster.slotOf(`{${stem}${i}}`))) === port) keys.push(`${stem}${i}`);
    }
    return keys;
  }

  test('two stores, 40 concurrent checks of a limit of 10: exactly 10 admitted, in one EVALSHA each', async () => {
    const [a, b] = [await storeOn('exact:'), await storeOn('exact:')];
    await cluster.resetStats();
    const decisions = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).consume('mobile-app', [requests(10)])));
    assert.equal(admitted(decisions), 10);
    assert.deepEqual(
      decisions.filter((d) => d.admitted).map((d) => d.buckets[0]!.remaining).sort((x, y) => x - y),
      Array.from({ length: 10 }, (_, i) => i),
      'each admitted check saw its own remaining count: none was counted twice',
    );
    const { evalsha, rejected, others } = sentByClients(await cluster.commandStats());
    assert.equal(evalsha, 40, 'one EVALSHA per check');
    assert.equal(rejected, 0, 'no redirection: each went to its slot’s node first');
    assert.deepEqual(others, {}, 'no other command reached a node');
  });

  test('one turn’s checks for keys on all three masters: one pipeline per node, every decision its key’s own', async () => {
    const store = await storeOn('spread:');
    const keys = (await Promise.all(cluster.ports.map((port) => keysOn(port, 2, 'spread-')))).flat();
    await cluster.resetStats();
    // Six keys (two per master), limit 3, five checks each, all asked in the same event-loop turn.
    const decisions = await Promise.all(keys.flatMap((key) => Array.from({ length: 5 }, () => store.consume(key, [requests(3)]))));
    keys.forEach((key, k) => {
      const own = decisions.slice(k * 5, k * 5 + 5);
      assert.deepEqual(own.map((d) => d.admitted), [true, true, true, false, false], key);
      assert.deepEqual(own.slice(0, 3).map((d) => d.buckets[0]!.remaining), [2, 1, 0], key);
    });
    const perNode = await cluster.scriptCallsPerNode();
    assert.deepEqual(perNode, [10, 10, 10], 'each master ran the checks of its own two keys');
    const { rejected, others } = sentByClients(await cluster.commandStats());
    assert.equal(rejected, 0);
    assert.deepEqual(others, {}, 'nothing else: the script was loaded on every master (no NOSCRIPT, no EVAL)');
  });

  test('a quota key’s slot migrated to another master: ASK then MOVED are followed, the bucket moves with it, exact', async () => {
    const prefix = 'moving:';
    const [a, b] = [await storeOn(prefix), await storeOn(prefix)];
    const quotaKey = 'migrating-client';
    const slot = await cluster.slotOf(`{${quotaKey}}`);
    const from = await cluster.ownerOf(slot);
    const to = cluster.ports.find((port) => port !== from)!;
    // A key that stays on the source: checked in the same turn as the moved one after the move, so
    // one pipeline to the source gets MOVED for one call and a reply for the other.
    const [neighbour] = await keysOn(from, 1, 'neighbour-');
    const takes = [requests(10), cost(100, 5)]; // two buckets: two keys of one slot per script
    const check = (store: RedisQuotaStore) => store.consume(quotaKey, takes);

    assert.equal(admitted(await Promise.all([check(a), check(a), check(a)])), 3);
    assert.equal((await a.consume(neighbour!, [requests(5)])).admitted, true);
    await cluster.resetStats();
    await cluster.migrateSlot(slot, to, {
      // MIGRATING / IMPORTING set, keys still on the source: the source answers.
      between: async () => assert.equal(admitted(await Promise.all([check(b), check(b)])), 2),
      // Keys on the target, the slot still the source's: the source answers ASK, the target runs it.
      afterKeys: async () => assert.equal(admitted(await Promise.all([check(a), check(b)])), 2),
    });
    // The slot is the target's: a client with the old map meets MOVED (b: alone; a: in a pipeline
    // with the neighbour's check, which the source runs).
    const [first, neighbourCheck] = await Promise.all([check(a), a.consume(neighbour!, [requests(5)])]);
    assert.equal(first.admitted, true);
    assert.equal(neighbourCheck.admitted, true);
    assert.equal(neighbourCheck.buckets[0]!.remaining, 3, 'the neighbour’s own bucket, on the source');
    assert.equal(first.buckets[0]!.remaining, 2, '3 + 2 + 2 + this one of 10 taken: the bucket came along');
    const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => check(i % 2 ? a : b)));
    assert.equal(admitted(burst), 2, 'exactly what was left: 10 − 8');
    assert.deepEqual(burst.filter((d) => d.admitted).map((d) => d.buckets[0]!.remaining).sort(), [0, 1]);
    assert.equal(burst.at(-1)!.buckets[1]!.remaining, 100 - 10 * 5, 'the cost bucket moved and was charged in the same script');

    const target = nodeClient(to);
    const source = nodeClient(from);
    try {
      assert.equal(await target.cluster('COUNTKEYSINSLOT', slot), 2, 'both buckets live on the target');
      assert.equal(await source.cluster('COUNTKEYSINSLOT', slot), 0);
    } finally {
      target.disconnect();
      source.disconnect();
    }
    const { evalsha, rejected } = sentByClients(await cluster.commandStats());
    // Every check ran exactly once (2 + 2 + 1 + 40 of the moving key, 1 of the neighbour); each
    // redirection was refused before running and counted apart.
    assert.equal(evalsha, 46);
    assert.ok(rejected >= 3, `ASK and MOVED were met (${rejected} redirections)`);
  });

  // Last: it kills a node. Before the others notice (cluster-node-timeout, 5 s), the cluster still
  // maps the node's slots to it.
  test('a master killed: checks of its keys fail at once (no queue, no resend), other masters’ keys are still decided', async () => {
    const store = await storeOn('killed:');
    const [doomed, survivor] = cluster.ports;
    const [lost] = await keysOn(doomed!, 1, 'lost-');
    const [kept] = await keysOn(survivor!, 1, 'kept-');
    assert.equal((await store.consume(lost!, [requests(5)])).admitted, true);
    await cluster.kill(doomed!);
    // A rejection, not a wait: FailoverQuotaStore then decides under on_store_failure and owes the charge.
    // ("Too many Cluster redirections" would mean ioredis sent it again and again after the failover.)
    await assert.rejects(store.consume(lost!, [requests(5)]), { message: 'Connection is closed.' });
    const decision = await store.consume(kept!, [requests(5)]);
    assert.equal(decision.admitted, true);
    assert.equal(decision.buckets[0]!.remaining, 4);
  });
});
