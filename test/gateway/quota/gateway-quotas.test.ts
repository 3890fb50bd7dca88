// Quotas through a real gateway (stage 5), once with the embedded memory store (no Redis
// configured) and once with the shared Redis under a unique key prefix: the same scenarios, the same
// answers. Windows are long (3600 s and more) so the refill during a test is below one token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway, type GraphQLHttpResult } from '../../support/gateway.ts';
import { connectTestRedis, deletePrefix, keysUnder, REDIS_URL, uniquePrefix } from '../../support/redis.ts';
import { apiKeysFor, itemsQuery, SHOP_SDL, startShopSubgraph } from './helpers.ts';

const CLIENTS = ['headers', 'retry', 'greedy', 'polite', 'coster', 'byop'] as const;
const apiKeys = apiKeysFor([...CLIENTS.map((clientId) => ({ clientId })), { clientId: 'acme', profile: 'partner' }]);
const as = (client: string) => ({ 'x-api-key': apiKeys.keys[client]! });

const quotas: GatewayConfigInput['quotas'] = {
  rules: [
    {
      key: ['client'],
      requests: { limit: 1000, window_s: 3600 },
      profiles: { anonymous: { requests: { limit: 50, window_s: 3600 } }, partner: { requests: { limit: 700, window_s: 3600 } } },
      clients: {
        headers: { requests: { limit: 2, window_s: 3600 } },
        retry: { requests: { limit: 1, window_s: 2 } },
        greedy: { requests: { limit: 1, window_s: 3600 } },
        // 100 points per 10^6 s: one point comes back every 10^4 s.
        coster: { requests: { limit: 1000, window_s: 3600 }, cost: { limit: 100, window_s: 1_000_000 } },
      },
    },
  ],
};

for (const storeKind of ['memory', 'redis'] as const) {
  describe(`quotas through the gateway (${storeKind} store)`, () => {
    let subgraph: FixtureSubgraph;
    let gateway: RunningGateway;
    const prefix = uniquePrefix('gateway-quotas');

    before(async () => {
      subgraph = await startShopSubgraph();
      const supergraph = composeForTest([{ name: 'shop', routingUrl: subgraph.url, sdl: SHOP_SDL }]);
      gateway = await startTestGateway(supergraph, {
        authentication: { api_keys: apiKeys.config },
        demand_control: { enabled: true, mode: 'measure', cost_extensions: true },
        quotas,
        ...(storeKind === 'redis' ? { redis: { url: REDIS_URL, key_prefix: prefix, timeout_ms: 2000 } } : {}),
      });
    });

    after(async () => {
      await gateway.stop();
      await subgraph.stop();
      if (storeKind === 'redis') {
        const redis = connectTestRedis();
        await deletePrefix(redis, prefix);
        redis.disconnect();
      }
    });

    const hello = (headers: Record<string, string> = {}) => postGraphQL(gateway.url, { query: '{ hello }' }, headers);

    test('/ready names the store', async () => {
      const ready = (await (await fetch(gateway.url.replace('/graphql', '/ready'))).json()) as { status: string; quotas: unknown };
      assert.equal(ready.status, 'ready');
      assert.deepEqual(
        ready.quotas,
        storeKind === 'memory' ? { store: 'memory' } : { store: 'redis', on_store_failure: 'fail_open', degraded: false },
      );
    });

    test('admitted responses carry X-RateLimit-* and the IETF RateLimit-Policy / RateLimit fields', async () => {
      const first = await hello(as('headers'));
      assert.equal(first.status, 200);
      assert.deepEqual(first.body.data, { hello: 'world' });
      assert.deepEqual(first.body.extensions, { cost: { requestedQueryCost: 0, actualQueryCost: 0 } }, 'no cost budget: no throttleStatus');
      // Limit 2 per 3600 s: one token every 1800 s. After one request the bucket is full again in 1800 s.
      assert.deepEqual(rateLimitHeaders(first), {
        'x-ratelimit-limit': '2',
        'x-ratelimit-remaining': '1',
        'x-ratelimit-reset': '1800',
        'ratelimit-policy': '"requests";q=2;w=3600',
        ratelimit: '"requests";r=1;t=1800',
        'retry-after': null,
      });
      const second = await hello(as('headers'));
      assert.equal(second.status, 200);
      assert.equal(second.headers.get('x-ratelimit-remaining'), '0');
      // Full again 2 × 1800 s after the first request: 3600 s less the moments in between.
      const t = Number(/^"requests";r=0;t=(\d+)$/.exec(second.headers.get('ratelimit') ?? '')?.[1]);
      assert.ok(t > 3500 && t <= 3600, `t=${t}`);
      assert.equal(second.headers.get('x-ratelimit-reset'), String(t));
    });

    test('over the limit: 429, RATE_LIMITED, Retry-After equal to the policy\'s t, and no subgraph call', async () => {
      const calls = subgraph.received.length;
      const refused = await hello(as('headers'));
      assert.equal(refused.status, 429);
      assert.equal(subgraph.received.length, calls, 'the subgraph was not called');
      const retryAfter = Number(refused.headers.get('retry-after'));
      // The next token is due 1800 s after the first request (minus the little time since).
      assert.ok(retryAfter <= 1800 && retryAfter > 1700, `Retry-After ${retryAfter}`);
      assert.deepEqual(refused.body, {
        errors: [
          {
            message: `Rate limit exceeded (policy "requests"); retry after ${retryAfter} s`,
            extensions: { code: 'RATE_LIMITED', policy: 'requests', retryAfter },
          },
        ],
      });
      // t means what it means on a 200: seconds until the bucket is full again (≈ 3600 here), while
      // Retry-After says when one request fits (≈ 1800).
      const t = Number(/^"requests";r=0;t=(\d+)$/.exec(refused.headers.get('ratelimit') ?? '')?.[1]);
      assert.ok(t > 3500 && t <= 3600 && t > retryAfter, `t=${t}`);
      assert.deepEqual(rateLimitHeaders(refused), {
        'x-ratelimit-limit': '2',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(t),
        'ratelimit-policy': '"requests";q=2;w=3600',
        ratelimit: `"requests";r=0;t=${t}`,
        'retry-after': String(retryAfter),
      });
      assert.match(refused.headers.get('content-type') ?? '', /^application\/json/);
      assert.ok(refused.headers.get('x-request-id'));
    });

    test('Retry-After is honoured: waiting that long gets the request admitted', async () => {
      assert.equal((await hello(as('retry'))).status, 200);
      const refused = await hello(as('retry'));
      assert.equal(refused.status, 429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After ${retryAfter} (window 2 s, limit 1)`);
      await sleep(retryAfter * 1000);
      const admitted = await hello(as('retry'));
      assert.equal(admitted.status, 200, JSON.stringify(admitted.body));
      assert.deepEqual(admitted.body.data, { hello: 'world' });
    });

    test('clients are isolated: one exhausting its quota does not touch another, nor anonymous callers', async () => {
      assert.equal((await hello(as('greedy'))).status, 200);
      for (let i = 0; i < 3; i++) assert.equal((await hello(as('greedy'))).status, 429);
      const polite = await hello(as('polite'));
      assert.equal(polite.status, 200);
      assert.equal(polite.headers.get('ratelimit-policy'), '"requests";q=1000;w=3600');
      assert.equal(polite.headers.get('x-ratelimit-remaining'), '999');
      // Anonymous: counted by IP, under the "anonymous" profile's limits.
      const anonymous = await hello();
      assert.equal(anonymous.status, 200);
      assert.equal(anonymous.headers.get('ratelimit-policy'), '"requests";q=50;w=3600');
      // A client whose API key has profile "partner" gets that profile's limits.
      const partner = await hello(as('acme'));
      assert.equal(partner.headers.get('ratelimit-policy'), '"requests";q=700;w=3600');
    });

    test('cost budget: the estimate is charged up front, the difference refunded, extensions.cost reports both', async () => {
      // items(first: 10) { id detail { text } }: estimated 10 × (Item 1 + Detail @cost 3) = 40;
      // the subgraph returns 2 items, so the actual cost is 8 and 32 points come back.
      const first = await postGraphQL(gateway.url, { query: itemsQuery(10) }, as('coster'));
      assert.equal(first.status, 200);
      assert.equal(first.body.data.items.length, 2);
      assert.equal(first.headers.get('ratelimit-policy'), '"requests";q=1000;w=3600, "cost";q=100;w=1000000');
      assert.match(first.headers.get('ratelimit') ?? '', /"cost";r=60;t=\d+$/, 'charged the estimate, 40');
      assert.deepEqual(first.body.extensions, {
        cost: {
          requestedQueryCost: 40,
          actualQueryCost: 8,
          throttleStatus: { maximumAvailable: 100, currentlyAvailable: 92, restoreRate: 0.0001 },
        },
      });
      // The refund shows in the next request's remaining: 100 − 40 + 32 − 40 = 52 (without it, 20).
      const second = await postGraphQL(gateway.url, { query: itemsQuery(10) }, as('coster'));
      assert.match(second.headers.get('ratelimit') ?? '', /"cost";r=52;t=\d+$/);
      assert.equal(second.body.extensions.cost.throttleStatus.currentlyAvailable, 84);
      // A request that does not validate is not executed: its whole estimate comes back.
      const invalid = await postGraphQL(gateway.url, { query: '{ items(first: 10) { id nope } }' }, as('coster'));
      assert.equal(invalid.status, 200); // a validation error under application/json (GraphQL over HTTP)
      assert.equal(invalid.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.equal(invalid.body.extensions, undefined);
      const third = await postGraphQL(gateway.url, { query: itemsQuery(1) }, as('coster'));
      // The invalid one was charged no cost (it cannot be costed); items(first: 1) costs 4: 84 − 4 = 80.
      assert.match(third.headers.get('ratelimit') ?? '', /"cost";r=80;t=\d+$/);
      assert.deepEqual(third.body.extensions.cost.throttleStatus, { maximumAvailable: 100, currentlyAvailable: 80, restoreRate: 0.0001 });
    });

    test('over the cost budget: 429 naming the cost policy, subgraph not called', async () => {
      const calls = subgraph.received.length;
      // 80 left; items(first: 25) is estimated at 100.
      const refused = await postGraphQL(gateway.url, { query: itemsQuery(25) }, as('coster'));
      assert.equal(refused.status, 429);
      assert.equal(refused.body.errors[0].extensions.code, 'RATE_LIMITED');
      assert.equal(refused.body.errors[0].extensions.policy, 'cost');
      assert.equal(refused.headers.get('x-ratelimit-limit'), '100');
      assert.equal(refused.headers.get('x-ratelimit-remaining'), '80');
      assert.equal(subgraph.received.length, calls);
      // Nothing was charged by the refused request: the request bucket and the cost budget are as before.
      const next = await postGraphQL(gateway.url, { query: itemsQuery(1) }, as('coster'));
      assert.match(next.headers.get('ratelimit') ?? '', /"cost";r=76;t=\d+$/);
    });

    test('an estimate larger than the whole cost budget: 400 COST_EXCEEDS_QUOTA, no Retry-After, nothing charged', async () => {
      const calls = subgraph.received.length;
      const before = await postGraphQL(gateway.url, { query: itemsQuery(1) }, as('coster'));
      const remainingBefore = /"cost";r=(\d+)/.exec(before.headers.get('ratelimit') ?? '')?.[1];
      // items(first: 26) is estimated at 104 > the budget's 100: even a full bucket cannot take it.
      const refused = await postGraphQL(gateway.url, { query: itemsQuery(26) }, as('coster'));
      assert.equal(refused.status, 400);
      assert.equal(refused.headers.get('retry-after'), null);
      assert.deepEqual(refused.body.errors[0].extensions, { code: 'COST_EXCEEDS_QUOTA', policy: 'cost', cost: { estimated: 104, quota: 100, window: 1_000_000 } });
      assert.equal(subgraph.received.length, calls + 1, 'only the cheap request reached the subgraph');
      const after = await postGraphQL(gateway.url, { query: itemsQuery(1) }, as('coster'));
      // Nothing was charged by the refusal (the cheap ones cost 4 each, refunded to their actual 4).
      assert.equal(/"cost";r=(\d+)/.exec(after.headers.get('ratelimit') ?? '')?.[1], String(Number(remainingBefore) - 4));
    });

    if (storeKind === 'redis') {
      test('Redis keys: under the prefix, one {hash tag} per quota key, one key per bucket', async () => {
        const redis = connectTestRedis();
        try {
          const keys = (await keysUnder(redis, prefix)).sort();
          assert.ok(keys.includes(`${prefix}{default|profile=default|client=headers}:requests`), keys.join('\n'));
          assert.ok(keys.includes(`${prefix}{default|profile=default|client=coster}:cost`));
          assert.ok(keys.includes(`${prefix}{default|profile=default|client=coster}:requests`));
          assert.ok(keys.includes(`${prefix}{default|profile=anonymous|ip=127.0.0.1}:requests`));
          // Every key expires once its bucket would be full again.
          for (const key of keys) assert.ok((await redis.pttl(key)) > 0, key);
        } finally {
          redis.disconnect();
        }
      });
    }
  });
}

function rateLimitHeaders(result: GraphQLHttpResult): Record<string, string | null> {
  const names = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit-policy', 'ratelimit', 'retry-after'];
  return Object.fromEntries(names.map((name) => [name, result.headers.get(name)]));
}
