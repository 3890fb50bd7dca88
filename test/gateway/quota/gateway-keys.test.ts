// Who is counted, through a real gateway (memory store): the client IP behind trusted proxies
// only, the operation name from the document; and the config slices of stages 4–5.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../gateway/src/config/load.ts';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { SHOP_SDL, startShopSubgraph } from './helpers.ts';

describe('quota keys through the gateway', () => {
  let subgraph: FixtureSubgraph;
  let supergraph: string;
  const gateways: RunningGateway[] = [];
  const start = async (overrides: Omit<GatewayConfigInput, 'supergraph'>) => {
    const gateway = await startTestGateway(supergraph, overrides);
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
  });

  const ipRule = { rules: [{ key: ['ip' as const], requests: { limit: 1, window_s: 3600 } }] };
  const from = (gateway: RunningGateway, forwardedFor: string) =>
    postGraphQL(gateway.url, { query: '{ hello }' }, { 'x-forwarded-for': forwardedFor });

  test('X-Forwarded-For is ignored unless the peer is a trusted proxy', async () => {
    const untrusting = await start({ quotas: ipRule });
    assert.equal((await from(untrusting, '203.0.113.1')).status, 200);
    // Another claimed client IP from the same socket address: the same bucket.
    assert.equal((await from(untrusting, '203.0.113.2')).status, 429);
  });

  test('behind a trusted proxy, the first untrusted hop from the right is the client', async () => {
    const trusting = await start({ quotas: { ...ipRule, trusted_proxies: ['127.0.0.1', '10.0.0.0/8'] } });
    assert.equal((await from(trusting, '203.0.113.1')).status, 200);
    assert.equal((await from(trusting, '203.0.113.2')).status, 200, 'another client');
    assert.equal((await from(trusting, '203.0.113.1, 10.1.2.3')).status, 429, 'the same client through an inner trusted proxy');
    // A client cannot choose its bucket by prepending to the header: the last untrusted hop counts.
    assert.equal((await from(trusting, '198.51.100.7, 203.0.113.2')).status, 429);
  });

  test('key [operation]: the operation\'s name from the document, whether or not operationName is sent', async () => {
    const gateway = await start({ quotas: { rules: [{ key: ['operation'], requests: { limit: 1, window_s: 3600 } }] } });
    const send = (query: string, operationName?: string) => postGraphQL(gateway.url, { query, ...(operationName ? { operationName } : {}) });
    assert.equal((await send('query First { hello }')).status, 200);
    assert.equal((await send('query First { hello }', 'First')).status, 429);
    assert.equal((await send('query Second { hello }')).status, 200);
    const both = 'query First { hello } query Third { hello }';
    assert.equal((await send(both, 'Third')).status, 200);
    assert.equal((await send(both, 'First')).status, 429);
  });

  test('no quota rules: no rate-limit headers and /ready says nothing about quotas', async () => {
    const gateway = await start({});
    const result = await postGraphQL(gateway.url, { query: '{ hello }' });
    assert.equal(result.status, 200);
    assert.equal(result.headers.get('ratelimit-policy'), null);
    assert.equal(result.headers.get('x-ratelimit-limit'), null);
    const readyBody = (await (await fetch(gateway.url.replace('/graphql', '/ready'))).json()) as { status: string; quotas?: unknown };
    assert.equal(readyBody.status, 'ready');
    assert.equal(readyBody.quotas, undefined);
  });
});

describe('config: redis, demand_control, quotas', () => {
  const parse = (extra: Record<string, unknown>) => parseConfig({ supergraph: { file: 's.graphql' }, ...extra }, {});

  test('defaults: embedded store, demand control off, no rules', () => {
    const config = parse({});
    assert.deepEqual(config.redis, { url: '', key_prefix: 'tollgate:', timeout_ms: 500, failure_threshold: 3, probe_interval_ms: 500, ready_wait_ms: 10_000 });
    assert.deepEqual(config.quotas, { on_store_failure: 'fail_open', trusted_proxies: [], rules: [] });
    assert.equal(config.demand_control.enabled, false);
    assert.equal(config.demand_control.cost_extensions, false);
  });

  test('wrong keys and values fail with their path', () => {
    assert.throws(() => parse({ quotas: { rules: [{ requests: { limit: 0, window_s: 60 } }] } }), /quotas\.rules\.0\.requests\.limit/);
    assert.throws(() => parse({ quotas: { rules: [{ requests: { limit: 1, window_s: 60 }, key: ['device'] }] } }), /quotas\.rules\.0\.key\.0/);
    assert.throws(() => parse({ quotas: { on_store_failure: 'maybe' } }), /quotas\.on_store_failure/);
    assert.throws(() => parse({ redis: { url: 'http://127.0.0.1:6379' } }), /redis\.url/);
    assert.throws(() => parse({ quotas: { trusted_proxies: ['10.0.0.0/8', 'proxy.local'] } }), /quotas\.trusted_proxies\.1: expected an IP address or CIDR/);
    assert.throws(() => parse({ quotas: { trusted_proxies: ['10.0.0.0/33'] } }), /quotas\.trusted_proxies\.0/);
    assert.equal(parse({ quotas: { trusted_proxies: ['10.0.0.0/8', '::1', 'fd00::/8'] } }).quotas.trusted_proxies.length, 3);
    assert.throws(() => parse({ redis: { host: 'x' } }), /redis\.host: unknown key/);
    assert.throws(() => parse({ redis: { ready_wait_ms: -1 } }), /redis\.ready_wait_ms/);
    assert.throws(() => parse({ redis: { failure_threshold: 0 } }), /redis\.failure_threshold/);
    assert.throws(() => parse({ demand_control: { cost_extension: true } }), /demand_control\.cost_extension: unknown key/);
    assert.throws(
      () => parse({ quotas: { rules: [{ requests: { limit: 1, window_s: 1 } }, { requests: { limit: 1, window_s: 1 } }] } }),
      /quotas\.rules\.0\.name: required when there is more than one rule/,
    );
  });
});
