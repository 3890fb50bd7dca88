// The failed-authentication limiter (authentication.failure_limit) through real gateways, on the
// embedded memory store and on the shared Redis (own key prefix): 401s are counted per client IP,
// an IP over the limit gets 429 before any credential is verified (even a valid one), anonymous
// requests from it still work, and X-Forwarded-For counts only from a trusted proxy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../gateway/src/config/load.ts';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway, type GraphQLHttpResult } from '../../support/gateway.ts';
import { connectTestRedis, deletePrefix, keysUnder, REDIS_URL, uniquePrefix } from '../../support/redis.ts';
import { apiKeysFor, SHOP_SDL, startShopSubgraph } from './helpers.ts';

const apiKeys = apiKeysFor([{ clientId: 'partner' }]);
const GOOD = { 'x-api-key': apiKeys.keys.partner! };
const bad = (i: number) => ({ 'x-api-key': `tg_wrong_${i}_0123456789abcdef` });
const LIMIT = 3;

function assertLimited(result: GraphQLHttpResult): void {
  assert.equal(result.status, 429, JSON.stringify(result.body));
  const error = result.body.errors[0];
  assert.equal(error.extensions.code, 'RATE_LIMITED');
  assert.equal(error.extensions.policy, 'authentication_failures');
  const retryAfter = Number(result.headers.get('retry-after'));
  assert.ok(retryAfter >= 1, `Retry-After ${result.headers.get('retry-after')}`);
  assert.equal(error.extensions.retryAfter, retryAfter);
  assert.equal(result.headers.get('ratelimit-policy'), `"authentication_failures";q=${LIMIT};w=3600`);
}

for (const storeKind of ['memory', 'redis'] as const) {
  describe(`failed authentications are limited per IP (${storeKind} store)`, () => {
    let subgraph: FixtureSubgraph;
    let supergraph: string;
    const prefix = uniquePrefix('auth-failures');
    const gateways: RunningGateway[] = [];
    const start = async (extra: Omit<GatewayConfigInput, 'supergraph'> = {}) => {
      const gateway = await startTestGateway(supergraph, {
        authentication: { api_keys: apiKeys.config, failure_limit: { limit: LIMIT, window_s: 3600 } },
        ...(storeKind === 'redis' ? { redis: { url: REDIS_URL, key_prefix: prefix, timeout_ms: 2000 } } : {}),
        ...extra,
      });
      gateways.push(gateway);
      return gateway;
    };

    before(async () => {
      subgraph = await startShopSubgraph();
      supergraph = composeForTest([{ name: 'shop', routingUrl: subgraph.url, sdl: SHOP_SDL }]);
    });

    after(async () => {
      for (const gateway of gateways) await gateway.stop();
      await subgraph.stop();
      if (storeKind === 'redis') {
        const redis = connectTestRedis();
        await deletePrefix(redis, prefix);
        redis.disconnect();
      }
    });

    const hello = (gateway: RunningGateway, headers: Record<string, string> = {}) => postGraphQL(gateway.url, { query: '{ hello }' }, headers);

    test('the limit\'s failures get 401; then 429 before verification, even for a valid key; anonymous still served', async () => {
      const gateway = await start();
      assert.equal((await hello(gateway, GOOD)).status, 200, 'successes are not counted');
      for (let i = 0; i < LIMIT; i++) {
        const result = await hello(gateway, bad(i));
        assert.equal(result.status, 401, `failure ${i + 1}`);
        assert.equal(result.body.errors[0].extensions.reason, 'invalid_api_key');
      }
      const calls = subgraph.received.length;
      assertLimited(await hello(gateway, bad(99)));
      // A valid key would verify: refused all the same, so the limit is checked before verification.
      assertLimited(await hello(gateway, GOOD));
      assert.equal(subgraph.received.length, calls, 'no subgraph call for a limited request');
      // Another claimed client IP from an untrusted peer changes nothing.
      assertLimited(await hello(gateway, { ...bad(100), 'x-forwarded-for': '198.51.100.1' }));
      const anonymous = await hello(gateway);
      assert.equal(anonymous.status, 200, 'a request without a credential is neither counted nor held back');
      assert.deepEqual(anonymous.body.data, { hello: 'world' });
    });

    test('behind a trusted proxy each client IP has its own count; the proxy itself is never blocked', async () => {
      const gateway = await start({ quotas: { trusted_proxies: ['127.0.0.1'] } });
      const from = (ip: string, headers: Record<string, string>) => hello(gateway, { ...headers, 'x-forwarded-for': ip });
      for (let i = 0; i < LIMIT; i++) assert.equal((await from('203.0.113.1', bad(i))).status, 401);
      assertLimited(await from('203.0.113.1', GOOD));
      assertLimited(await from('203.0.113.1, 127.0.0.1', GOOD)); // through an inner trusted hop: the same client
      assert.equal((await from('203.0.113.2', bad(0))).status, 401, 'another client behind the proxy is still verified');
      assert.equal((await from('203.0.113.2', GOOD)).status, 200);
      assert.equal((await hello(gateway, GOOD)).status, 200, 'the proxy\'s own address is not blocked');

      if (storeKind === 'redis') {
        const redis = connectTestRedis();
        try {
          const keys = await keysUnder(redis, prefix);
          const key = `${prefix}{@authentication_failures|ip=203.0.113.1}:failures`;
          assert.ok(keys.includes(key), keys.join('\n'));
          assert.ok((await redis.pttl(key)) > 0, 'the count expires once it would be back to zero');
        } finally {
          redis.disconnect();
        }
      }
    });

    if (storeKind === 'redis') {
      test('a second instance on the same Redis shares the count: one more attempt teaches it the block', async () => {
        const first = await start({ quotas: { trusted_proxies: ['127.0.0.1'] } });
        const second = await start({ quotas: { trusted_proxies: ['127.0.0.1'] } });
        const ip = { 'x-forwarded-for': '203.0.113.50' };
        for (let i = 0; i < LIMIT; i++) assert.equal((await hello(first, { ...bad(i), ...ip })).status, 401);
        assertLimited(await hello(first, { ...GOOD, ...ip }));
        // The second instance has not seen the block yet: this attempt is verified (401), Redis refuses its charge.
        assert.equal((await hello(second, { ...bad(7), ...ip })).status, 401);
        assertLimited(await hello(second, { ...GOOD, ...ip }));
      });
    }
  });
}

describe('authentication.failure_limit config', () => {
  const parse = (authentication: Record<string, unknown>) => parseConfig({ supergraph: { file: 's.graphql' }, authentication }, {});

  test('on by default (20 per 60 s); false turns it off; wrong values name the key', () => {
    assert.deepEqual(parse({}).authentication.failure_limit, { limit: 20, window_s: 60 });
    assert.equal(parse({ failure_limit: false }).authentication.failure_limit, false);
    assert.throws(() => parse({ failure_limit: { limit: 0, window_s: 60 } }), /authentication\.failure_limit/);
    assert.throws(() => parse({ failure_limit: { limit: 5 } }), /authentication\.failure_limit/);
  });
});
