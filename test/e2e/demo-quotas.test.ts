// The demo configuration (gateway/gateway.yaml) as shipped: no Redis (the embedded store), demand
// control enforcing max 1000, and a per-client quota with a lower "anonymous" profile.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { RunningGateway } from '../../gateway/src/gateway.ts';
import { startShippedDemo, type ShippedDemo } from '../support/demo-gateway.ts';
import type { DemoStack } from '../support/demo-stack.ts';
import { postGraphQL } from '../support/gateway.ts';

const DEMO_API_KEY = 'tg_demo_partner_0001';

describe('the demo gateway.yaml: quotas and cost with no Redis', () => {
  let demo: ShippedDemo;
  let stack: DemoStack;
  let gateway: RunningGateway;
  let homeScreen: string;

  before(async () => {
    // TOLLGATE_REDIS_URL unset, as for `npm start`; no JWKS needed here.
    demo = await startShippedDemo();
    ({ stack, gateway } = demo);
    homeScreen = await readFile('subgraphs/home-screen.graphql', 'utf8');
  });

  after(async () => {
    await demo?.stop();
  });

  test('the embedded memory store decides', async () => {
    const readyBody = (await (await fetch(gateway.url.replace('/graphql', '/ready'))).json()) as { status: string; quotas: unknown };
    assert.equal(readyBody.status, 'ready');
    assert.deepEqual(readyBody.quotas, { store: 'memory' });
  });

  test('the home-screen query (estimated 179) is admitted with the anonymous profile\'s headers', async () => {
    const result = await postGraphQL(gateway.url, { query: homeScreen, variables: { userId: 'u1' } });
    assert.equal(result.status, 200);
    assert.deepEqual(Object.keys(result.body.data), ['user', 'featuredProducts', 'latestReviews']);
    assert.equal(result.body.extensions, undefined, 'cost_extensions is off in the demo');
    assert.equal(result.headers.get('ratelimit-policy'), '"requests";q=120;w=60, "cost";q=5000;w=60');
    // First request from this IP: 1 of 120 requests (one comes back every 0.5 s) and 179 of 5000
    // points (179 × 12 ms = 2.1 s to refill) are taken.
    assert.equal(result.headers.get('ratelimit'), '"requests";r=119;t=1, "cost";r=4821;t=3');
    // The tighter of the two (by the share left) is the X-RateLimit-* one.
    assert.equal(result.headers.get('x-ratelimit-limit'), '5000');
    assert.equal(result.headers.get('x-ratelimit-remaining'), '4821');
  });

  test('the partner API key gets the rule\'s own limits', async () => {
    const result = await postGraphQL(gateway.url, { query: '{ featuredProducts(first: 1) { upc } }' }, { 'x-api-key': DEMO_API_KEY });
    assert.equal(result.status, 200);
    assert.equal(result.headers.get('ratelimit-policy'), '"requests";q=600;w=60, "cost";q=20000;w=60');
  });

  test('an operation over max 1000 is refused before any subgraph is called', async () => {
    stack.backends.calls.clear();
    const result = await postGraphQL(gateway.url, { query: '{ featuredProducts(first: 500) { upc reviewSummary { count } } }' });
    assert.equal(stack.backends.calls.records.length, 0, 'no backend was called');
    assert.equal(result.status, 400);
    // 500 × (Product 1 + reviewSummary @cost(weight: 5)) = 3000
    assert.deepEqual(result.body.errors[0].extensions, { code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: 3000, max: 1000 } });
  });
});
