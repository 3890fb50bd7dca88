// Issue 11, resilience of subgraph fetches, against real subgraph servers on 127.0.0.1: retries
// (queries only, on 503/429/connection errors, within the budget), the circuit breaker, several
// instances of one subgraph with outlier ejection and an active health check, deduplication of
// identical in-flight queries (never across identities), and compressed answers counted after
// decompression. Every assertion counts calls or reads states; none measures time, every wait is a
// bounded loop.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { apiKeysFor } from '../quota/helpers.ts';

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const PRODUCTS = `${FED}
  type Query { topProducts: [Product!]! }
  type Product @key(fields: "upc") { upc: ID! name: String! }`;
const REVIEWS = `${FED}
  type Query { latestReviews: [Review] whoami: String }
  type Mutation { addReview(body: String!): Review }
  type Review { id: ID! body: String }`;

const topProducts = [
  { upc: 'p1', name: 'Table' },
  { upc: 'p2', name: 'Chair' },
];
const latestReviews = [{ id: 'r1', body: 'Sturdy' }];
const QUERY = '{ topProducts { upc name } latestReviews { id body } }';
const REVIEWS_ONLY = '{ latestReviews { id body } }';
const MUTATION = 'mutation { addReview(body: "x") { id } }';
const UNAVAILABLE = { kind: 'status', status: 503, body: 'unavailable' } as const;

function startProducts(): Promise<FixtureSubgraph> {
  return startFixtureSubgraph(PRODUCTS, {
    Query: { topProducts: () => topProducts },
    Product: { __resolveReference: (ref: any) => topProducts.find((p) => p.upc === ref.upc) },
  });
}

function startReviews(port?: number): Promise<FixtureSubgraph> {
  return startFixtureSubgraph(
    REVIEWS,
    {
      Query: { latestReviews: () => latestReviews, whoami: (_root, _args, context: any) => context.headers['x-tollgate-client'] ?? 'anonymous' },
      Mutation: { addReview: () => ({ id: 'r2', body: 'x' }) },
    },
    port === undefined ? {} : { port },
  );
}

function supergraph(products: FixtureSubgraph, reviewsUrl: string): string {
  return composeForTest([
    { name: 'products', routingUrl: products.url, sdl: PRODUCTS },
    { name: 'reviews', routingUrl: reviewsUrl, sdl: REVIEWS },
  ]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` holds (at most `tries` × 20 ms), then asserts it. */
async function eventually(check: () => boolean, message: string, tries = 250): Promise<void> {
  for (let i = 0; i < tries && !check(); i++) await sleep(20);
  assert.ok(check(), message);
}

const reviewsHealth = (gateway: RunningGateway) => gateway.federation.subgraphHealth()['reviews']!;

/** The partial result every failure of reviews must give: products' data, null reviews, one error naming reviews. */
function assertPartial(result: { status: number; body: any }, code: string): void {
  assert.equal(result.status, 200);
  assert.deepEqual(result.body.data, { topProducts, latestReviews: null });
  assert.equal(result.body.errors.length, 1);
  assert.equal(result.body.errors[0].extensions.code, code);
  assert.equal(result.body.errors[0].extensions.serviceName, 'reviews');
  assert.doesNotMatch(JSON.stringify(result.body), /127\.0\.0\.1/, 'no subgraph host reaches the client');
}

for (const executor of ['tollgate', 'apollo'] as const) {
  describe(`retries (executor: ${executor})`, () => {
    let products: FixtureSubgraph;
    let reviews: FixtureSubgraph;
    let gateway: RunningGateway;

    before(async () => {
      products = await startProducts();
      reviews = await startReviews();
      gateway = await startTestGateway(supergraph(products, reviews.url), {
        executor,
        traffic_shaping: { all: { timeout_ms: 1_000, retry: { backoff_base_ms: 1 }, circuit_breaker: { enabled: false } } },
      });
    });
    after(async () => {
      await gateway?.stop();
      await products?.stop();
      await reviews?.stop();
    });

    test('503 twice then 200: retried, succeeds, the retries counted', async () => {
      reviews.behave({ kind: 'normal' });
      const calls = reviews.received.length;
      const retries = reviewsHealth(gateway).stats.retries;
      reviews.next(UNAVAILABLE, UNAVAILABLE);
      const result = await postGraphQL(gateway.url, { query: QUERY });
      assert.deepEqual(result.body, { data: { topProducts, latestReviews } });
      assert.equal(reviews.received.length - calls, 3);
      assert.equal(reviewsHealth(gateway).stats.retries - retries, 2);
    });

    test('a mutation against a failing subgraph is never retried', async () => {
      reviews.behave(UNAVAILABLE);
      const calls = reviews.received.length;
      const result = await postGraphQL(gateway.url, { query: MUTATION });
      assert.equal(result.status, 200);
      assert.equal(result.body.errors[0].extensions.code, 'SUBGRAPH_HTTP_ERROR');
      assert.equal(reviews.received.length - calls, 1, 'one call, no retry');
      reviews.behave({ kind: 'normal' });
    });

    const failures = [
      { name: 'killed mid-request: retried (max_attempts), then a partial result naming the subgraph', behaviour: { kind: 'destroy' }, code: 'SUBGRAPH_UNAVAILABLE', calls: 3 },
      { name: 'hangs: a timeout within timeout_ms, partial result, not retried', behaviour: { kind: 'hang' }, code: 'SUBGRAPH_TIMEOUT', calls: 1 },
    ] as const;
    for (const failure of failures) {
      test(failure.name, async () => {
        reviews.behave(failure.behaviour);
        const calls = reviews.received.length;
        const result = await postGraphQL(gateway.url, { query: QUERY });
        assertPartial(result, failure.code);
        assert.equal(reviews.received.length - calls, failure.calls);
        reviews.behave({ kind: 'normal' });
      });
    }

    test('429 with a short Retry-After is retried; with a long one it is not', async () => {
      const calls = reviews.received.length;
      reviews.next({ kind: 'status', status: 429, body: 'slow down', headers: { 'retry-after': '0' } });
      const retried = await postGraphQL(gateway.url, { query: REVIEWS_ONLY });
      assert.deepEqual(retried.body, { data: { latestReviews } });
      assert.equal(reviews.received.length - calls, 2);
      reviews.next({ kind: 'status', status: 429, body: 'slow down', headers: { 'retry-after': '3600' } });
      const refused = await postGraphQL(gateway.url, { query: REVIEWS_ONLY });
      assert.equal(refused.body.errors[0].extensions.code, 'SUBGRAPH_HTTP_ERROR');
      assert.equal(refused.body.errors[0].extensions.status, 429);
      assert.equal(reviews.received.length - calls, 3);
    });
  });

  describe(`circuit breaker (executor: ${executor})`, () => {
    let products: FixtureSubgraph;
    let reviews: FixtureSubgraph;
    let gateway: RunningGateway;

    before(async () => {
      products = await startProducts();
      reviews = await startReviews();
      gateway = await startTestGateway(supergraph(products, reviews.url), {
        executor,
        traffic_shaping: {
          all: { retry: { enabled: false } },
          subgraphs: { reviews: { circuit_breaker: { minimum_requests: 4, failure_ratio: 0.5, cooldown_ms: 2_000, half_open_probes: 1 } } },
        },
      });
    });
    after(async () => {
      await gateway?.stop();
      await products?.stop();
      await reviews?.stop();
    });

    test('opens after the failure ratio, no calls while open (partial results), closes after a probe', async () => {
      reviews.behave(UNAVAILABLE);
      for (let i = 0; i < 4; i++) assertPartial(await postGraphQL(gateway.url, { query: QUERY }), 'SUBGRAPH_HTTP_ERROR');
      assert.equal(reviews.received.length, 4);
      assert.equal(reviewsHealth(gateway).breaker, 'open');
      assert.equal(reviewsHealth(gateway).healthy, false);

      const open = await Promise.all(Array.from({ length: 6 }, () => postGraphQL(gateway.url, { query: QUERY })));
      for (const result of open) assertPartial(result, 'SUBGRAPH_CIRCUIT_OPEN');
      assert.equal(reviewsHealth(gateway).breaker, 'open', 'still within the cool-down');
      assert.equal(reviews.received.length, 4, 'no call while open');
      assert.equal(reviewsHealth(gateway).stats.circuitOpenRejections, 6);
      assert.equal(gateway.federation.subgraphHealth()['products']!.breaker, 'closed');

      reviews.behave({ kind: 'normal' });
      let body: any;
      for (let i = 0; i < 200 && body?.data?.latestReviews == null; i++) {
        body = (await postGraphQL(gateway.url, { query: QUERY })).body;
        if (body.data.latestReviews == null) await sleep(25);
      }
      assert.deepEqual(body, { data: { topProducts, latestReviews } });
      assert.equal(reviewsHealth(gateway).breaker, 'closed');
      assert.equal(reviews.received.length, 5, 'one probe, then closed');
    });
  });

  describe(`deduplication (executor: ${executor})`, () => {
    let products: FixtureSubgraph;
    let reviews: FixtureSubgraph;
    let on: RunningGateway;
    let off: RunningGateway;
    const { keys, config: apiKeys } = apiKeysFor([{ clientId: 'alice' }, { clientId: 'bob' }]);

    before(async () => {
      products = await startProducts();
      reviews = await startReviews();
      const sdl = supergraph(products, reviews.url);
      const common: Omit<GatewayConfigInput, 'supergraph'> = { executor, authentication: { api_keys: apiKeys } };
      on = await startTestGateway(sdl, common); // on by default
      off = await startTestGateway(sdl, { ...common, traffic_shaping: { all: { deduplicate_query: false } } });
    });
    after(async () => {
      await on?.stop();
      await off?.stop();
      await products?.stop();
      await reviews?.stop();
    });

    test('on (the default): N identical concurrent queries → one upstream call, every waiter gets the answer', async () => {
      reviews.behave({ kind: 'held' });
      const calls = reviews.received.length;
      const joined = reviewsHealth(on).stats.deduplicated;
      const pending = Array.from({ length: 8 }, () => postGraphQL(on.url, { query: REVIEWS_ONLY }, { 'x-api-key': keys['alice']! }));
      await eventually(() => reviewsHealth(on).stats.deduplicated - joined === 7, 'seven fetches joined the first');
      reviews.release();
      for (const result of await Promise.all(pending)) assert.deepEqual(result.body, { data: { latestReviews } });
      assert.equal(reviews.received.length - calls, 1);
      reviews.behave({ kind: 'normal' });
    });

    test('on: never across identities (two API keys → two calls, each its own answer)', async () => {
      reviews.behave({ kind: 'held' });
      const calls = reviews.received.length;
      const joined = reviewsHealth(on).stats.deduplicated;
      const ask = (client: 'alice' | 'bob') => postGraphQL(on.url, { query: '{ whoami }' }, { 'x-api-key': keys[client]! });
      const pending = [ask('alice'), ask('bob'), ask('alice'), ask('bob'), ask('alice'), ask('bob'), postGraphQL(on.url, { query: '{ whoami }' })];
      await eventually(() => reviewsHealth(on).stats.deduplicated - joined === 4 && reviews.received.length - calls === 3, 'one call per identity');
      reviews.release();
      const answers = (await Promise.all(pending)).map((result) => result.body.data.whoami);
      assert.deepEqual(answers, ['alice', 'bob', 'alice', 'bob', 'alice', 'bob', 'anonymous']);
      assert.equal(reviews.received.length - calls, 3);
      reviews.behave({ kind: 'normal' });
    });

    test('on: mutations are never deduplicated', async () => {
      reviews.behave({ kind: 'held' });
      const calls = reviews.received.length;
      const pending = Array.from({ length: 3 }, () => postGraphQL(on.url, { query: MUTATION }));
      await eventually(() => reviews.received.length - calls === 3, 'three mutations sent');
      reviews.release();
      for (const result of await Promise.all(pending)) assert.deepEqual(result.body, { data: { addReview: { id: 'r2' } } });
      reviews.behave({ kind: 'normal' });
    });

    test('off (deduplicate_query: false): every query its own call', async () => {
      reviews.behave({ kind: 'held' });
      const calls = reviews.received.length;
      const pending = Array.from({ length: 8 }, () => postGraphQL(off.url, { query: REVIEWS_ONLY }));
      await eventually(() => reviews.received.length - calls === 8, 'eight calls');
      reviews.release();
      for (const result of await Promise.all(pending)) assert.deepEqual(result.body, { data: { latestReviews } });
      assert.equal(reviewsHealth(off).stats.deduplicated, 0);
      reviews.behave({ kind: 'normal' });
    });
  });
}

describe('three instances of one subgraph', () => {
  let products: FixtureSubgraph;
  const instances: FixtureSubgraph[] = [];
  let gateway: RunningGateway;

  before(async () => {
    products = await startProducts();
    for (let i = 0; i < 3; i++) instances.push(await startReviews());
    gateway = await startTestGateway(supergraph(products, instances[0]!.url), {
      override_subgraph_url: { reviews: instances.map((instance) => instance.url) },
      traffic_shaping: {
        subgraphs: {
          reviews: {
            retry: { backoff_base_ms: 1 },
            // Ejected for a minute: only the active health check can bring it back within the test.
            outlier_detection: { consecutive_failures: 2, base_ejection_ms: 60_000 },
            health_check: { interval_ms: 50 },
          },
        },
      },
    });
  });
  after(async () => {
    await gateway?.stop();
    await products?.stop();
    for (const instance of instances) await instance.stop();
  });

  const callsOf = () => instances.map((instance) => instance.received.length);
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) assert.deepEqual((await postGraphQL(gateway.url, { query: QUERY })).body, { data: { topProducts, latestReviews } });
  };

  test('spread, one killed → traffic moves and it is ejected, restarted → back', async () => {
    await run(30);
    assert.ok(callsOf().every((calls) => calls >= 5), `every instance served: ${callsOf()}`);

    const port = Number(new URL(instances[2]!.url).port);
    await instances[2]!.stop();
    const before = callsOf();
    await run(30);
    const moved = callsOf().map((calls, i) => calls - before[i]!);
    assert.ok(moved[0]! + moved[1]! >= 30, `the live instances took every request: ${moved}`);
    const health = reviewsHealth(gateway);
    assert.equal(health.instances[2]!.ejected, true);
    assert.deepEqual([health.instances[0]!.ejected, health.instances[1]!.ejected], [false, false]);
    assert.equal(health.healthy, true);
    assert.equal(health.breaker, 'closed');

    instances[2] = await startReviews(port);
    await eventually(() => !reviewsHealth(gateway).instances[2]!.ejected, 'the health check brought it back');
    await run(30);
    assert.ok(instances[2]!.received.length >= 5, `the restarted instance serves again: ${instances[2]!.received.length}`);
  });
});

describe('retry budget during an outage', () => {
  let products: FixtureSubgraph;
  let reviews: FixtureSubgraph;
  let gateway: RunningGateway;

  before(async () => {
    products = await startProducts();
    reviews = await startReviews();
    gateway = await startTestGateway(supergraph(products, reviews.url), {
      traffic_shaping: {
        all: {
          retry: { max_attempts: 3, retry_percent: 0.1, min_per_sec: 0, backoff_base_ms: 1 },
          circuit_breaker: { enabled: false },
        },
      },
    });
  });
  after(async () => {
    await gateway?.stop();
    await products?.stop();
    await reviews?.stop();
  });

  test('40 failing queries: about 10% retried, not 200%', async () => {
    reviews.behave(UNAVAILABLE);
    for (let i = 0; i < 40; i++) assertPartial(await postGraphQL(gateway.url, { query: QUERY }), 'SUBGRAPH_HTTP_ERROR');
    const calls = reviews.received.length;
    assert.ok(calls >= 40 && calls <= 44, `40 fetches, at most 4 retries: ${calls} calls (120 without a budget)`);
    const { stats } = reviewsHealth(gateway);
    assert.equal(stats.retries, calls - 40);
    assert.ok(stats.retriesDenied >= 30, `denied: ${stats.retriesDenied}`);
  });
});

describe('compressed subgraph answers', () => {
  let products: FixtureSubgraph;
  let reviews: FixtureSubgraph;
  let gateway: RunningGateway;
  let plain: RunningGateway;

  before(async () => {
    products = await startProducts();
    reviews = await startReviews();
    const sdl = supergraph(products, reviews.url);
    gateway = await startTestGateway(sdl, { traffic_shaping: { subgraphs: { reviews: { max_response_bytes: 1_000_000 } } } });
    plain = await startTestGateway(sdl, { traffic_shaping: { all: { compression: false } } });
  });
  after(async () => {
    await gateway?.stop();
    await plain?.stop();
    await products?.stop();
    await reviews?.stop();
  });

  test('gzip and br decoded; accept-encoding sent by default, not with compression: false', async () => {
    for (const encoding of ['gzip', 'br'] as const) {
      reviews.behave({ kind: 'normal', encoding });
      assert.deepEqual((await postGraphQL(gateway.url, { query: QUERY })).body, { data: { topProducts, latestReviews } });
      assert.equal(reviews.received.at(-1)!['accept-encoding'], 'gzip, br');
    }
    reviews.behave({ kind: 'normal', encoding: 'gzip' });
    assert.deepEqual((await postGraphQL(plain.url, { query: QUERY })).body, { data: { topProducts, latestReviews } });
    assert.equal(reviews.received.at(-1)!['accept-encoding'], undefined);
    reviews.behave({ kind: 'normal' });
  });

  test('a zip bomb (20 KB of gzip, 20 MB of JSON) is cut at max_response_bytes after decompression', async () => {
    const bomb = gzipSync(`{"data":{"latestReviews":[{"id":"r1","body":"${'x'.repeat(20_000_000)}"}]}}`);
    assert.ok(bomb.length < 1_000_000, 'the compressed body is under the limit');
    reviews.behave({ kind: 'status', status: 200, body: bomb, contentType: 'application/json', headers: { 'content-encoding': 'gzip' } });
    assertPartial(await postGraphQL(gateway.url, { query: QUERY }), 'SUBGRAPH_RESPONSE_TOO_LARGE');
    reviews.behave({ kind: 'status', status: 200, body: Buffer.from('not gzip'), contentType: 'application/json', headers: { 'content-encoding': 'gzip' } });
    assertPartial(await postGraphQL(gateway.url, { query: QUERY }), 'SUBGRAPH_BAD_RESPONSE');
    reviews.behave({ kind: 'normal' });
    assert.deepEqual((await postGraphQL(gateway.url, { query: QUERY })).body, { data: { topProducts, latestReviews } });
  });
});
