// /ready waits for the quota store: a gateway whose Redis is not up yet answers 503 "connecting"
// until the first connection (script loaded), so the first burst after a cold start is exact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { freePort, OwnRedis, SHOP_SDL, startShopSubgraph } from './helpers.ts';

describe('readiness waits for the quota store', () => {
  let shop: FixtureSubgraph;
  let sdl: string;
  let redis: OwnRedis;

  before(async () => {
    shop = await startShopSubgraph();
    sdl = composeForTest([{ name: 'shop', routingUrl: shop.url, sdl: SHOP_SDL }]);
    redis = await OwnRedis.start();
    await redis.kill(); // its port is known and nothing answers there yet
  });

  after(async () => {
    await redis.kill();
    await shop.stop();
  });

  const quotas = { rules: [{ key: ['ip' as const], requests: { limit: 5, window_s: 60 } }] };

  async function readyAt(base: string): Promise<Response> {
    for (let attempt = 0; attempt < 200; attempt++) {
      try {
        const response = await fetch(`${base}/ready`);
        if (response.status !== 503 || ((await response.clone().json()) as { status: string }).status !== 'loading') return response;
      } catch {
        // the listener is not up yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the gateway never got past loading');
  }

  test('503 "connecting" until Redis answers, then 200 and exact quotas', async () => {
    const port = await freePort();
    const starting = startTestGateway(sdl, {
      server: { listen: `127.0.0.1:${port}` },
      redis: { url: redis.url, key_prefix: `tg-test-ready-${process.pid}:`, ready_wait_ms: 60_000 },
      quotas,
    });
    const connecting = await readyAt(`http://127.0.0.1:${port}`);
    assert.equal(connecting.status, 503);
    assert.equal(((await connecting.json()) as { status: string }).status, 'connecting');

    await redis.restart();
    const gateway = await starting;
    try {
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { status: string }).status, 'ready');
      const answered = await postGraphQL(gateway.url, { query: '{ hello }' });
      assert.equal(answered.status, 200);
      assert.equal(answered.headers.get('x-ratelimit-remaining'), '4');
    } finally {
      await gateway.stop();
    }
  });

  test('with ready_wait_ms spent and Redis still down, it turns ready under on_store_failure', async () => {
    await redis.kill();
    const gateway = await startTestGateway(sdl, {
      redis: { url: redis.url, ready_wait_ms: 200 },
      quotas: { ...quotas, on_store_failure: 'fail_closed' },
    });
    try {
      const ready = await fetch(gateway.url.replace(/\/graphql$/, '/ready'));
      assert.equal(ready.status, 200);
      const refused = await postGraphQL(gateway.url, { query: '{ hello }' });
      assert.equal(refused.status, 503);
      assert.equal(refused.body.errors[0].extensions.code, 'QUOTA_STORE_UNAVAILABLE');
    } finally {
      await gateway.stop();
    }
  });
});
