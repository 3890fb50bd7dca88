// Prometheus metrics (issue 12): a real gateway over a fixture subgraph, known traffic, then GET
// /metrics and the exact counters and label sets in the text format; the cardinality cap on
// operation names; quota decisions; /metrics absent when disabled; two gateways in one process
// keep their own counts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../gateway/src/config/load.ts';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import { ConfigError } from '../../../gateway/src/core/config-errors.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { parseMetrics, scrape, series, value } from '../../support/metrics.ts';
import { REDIS_URL, uniquePrefix } from '../../support/redis.ts';
import { deadUrl, startJwksServer, type JwksServer } from '../auth/helpers.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello: String }`;

describe('Prometheus metrics', () => {
  let subgraph: FixtureSubgraph;
  let supergraph: string;
  const gateways: RunningGateway[] = [];
  const start = async (overrides: Omit<GatewayConfigInput, 'supergraph'> = {}) => {
    const gateway = await startTestGateway(supergraph, overrides);
    gateways.push(gateway);
    return gateway;
  };

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' } });
    supergraph = composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]);
  });
  after(async () => {
    for (const gateway of gateways) await gateway.stop();
    await subgraph.stop();
  });

  test('known traffic gives exact counters and label sets', async () => {
    const gateway = await start();
    // A second gateway in the same process, with traffic of its own: its own registry.
    const other = await start();
    await postGraphQL(other.url, { query: '{ hello }' });
    const web = { 'apollographql-client-name': 'web' };
    for (let i = 0; i < 3; i++) assert.equal((await postGraphQL(gateway.url, { query: 'query A { hello }' }, web)).status, 200);
    const invalid = await postGraphQL(gateway.url, { query: 'query B { nope }' }, web);
    assert.equal(invalid.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal((await postGraphQL(gateway.url, { query: '{ hello }' }, web)).status, 200);

    const samples = await scrape(gateway);
    assert.deepEqual(series(samples, 'tollgate_requests_total'), [
      '{"client":"web","code":"GRAPHQL_VALIDATION_FAILED","operation":"unknown"} 1',
      '{"client":"web","code":"ok","operation":"A"} 3',
      '{"client":"web","code":"ok","operation":"anonymous"} 1',
    ]);
    assert.deepEqual(series(samples, 'tollgate_request_duration_seconds_count'), [
      '{"client":"web","operation":"A"} 3',
      '{"client":"web","operation":"anonymous"} 1',
      '{"client":"web","operation":"unknown"} 1',
    ]);
    assert.equal(value(samples, 'tollgate_request_duration_seconds_bucket', { operation: 'A', client: 'web', le: '+Inf' }), 3);
    assert.ok(value(samples, 'tollgate_request_duration_seconds_sum', { operation: 'A', client: 'web' })! > 0);
    assert.deepEqual(series(samples, 'tollgate_errors_total'), ['{"code":"GRAPHQL_VALIDATION_FAILED"} 1']);
    assert.deepEqual(series(samples, 'tollgate_quota_decisions_total'), []);
    assert.deepEqual(series(samples, 'tollgate_executor_operations_total'), ['{"executor":"apollo"} 0', '{"executor":"tollgate"} 4']);
    assert.deepEqual(series(samples, 'tollgate_subgraph_fetches_total'), ['{"subgraph":"hello"} 4']);
    assert.deepEqual(series(samples, 'tollgate_subgraph_attempts_total'), ['{"subgraph":"hello"} 4']);
    assert.deepEqual(series(samples, 'tollgate_subgraph_retries_total'), ['{"subgraph":"hello"} 0']);
    assert.deepEqual(series(samples, 'tollgate_subgraph_circuit_open_rejections_total'), ['{"subgraph":"hello"} 0']);
    assert.deepEqual(series(samples, 'tollgate_subgraph_deduplicated_total'), ['{"subgraph":"hello"} 0']);
    assert.deepEqual(series(samples, 'tollgate_subgraph_breaker_open'), ['{"subgraph":"hello"} 0']);
    // A: one miss then two hits; B and the anonymous query: a miss each.
    assert.deepEqual(series(samples, 'tollgate_document_cache_total'), ['{"result":"hit"} 2', '{"result":"miss"} 3']);
    assert.deepEqual(series(samples, 'tollgate_supergraph_info'), [`{"hash":"${gateway.stages.graph!.schemaHash}"} 1`]);
    // A planned once, then twice from the cache; the anonymous query planned once.
    assert.deepEqual(series(samples, 'tollgate_plan_cache_total'), ['{"result":"hit"} 2', '{"result":"miss"} 2']);
    assert.deepEqual(series(samples, 'tollgate_subgraph_fetch_duration_seconds_count'), ['{"subgraph":"hello"} 4']);
    assert.deepEqual(series(samples, 'tollgate_subgraph_errors_total'), []);
    // No costs configured, no Redis, no JWKS: nothing observed.
    assert.deepEqual(series(samples, 'tollgate_cost_estimated_count'), ['{} 0']);
    assert.deepEqual(series(samples, 'tollgate_quota_store_up'), []);
    assert.deepEqual(series(samples, 'tollgate_jwks_fetches_total'), []);
    // Node process metrics and event-loop lag, prefixed.
    assert.ok(value(samples, 'tollgate_process_cpu_user_seconds_total', {})! > 0);
    assert.ok(samples.some((s) => s.name === 'tollgate_nodejs_eventloop_lag_seconds'));
    assert.ok(value(samples, 'tollgate_nodejs_heap_size_used_bytes', {})! > 0);
    // Left out: its PerformanceObserver on every GC cost a quarter of the one-hop throughput.
    assert.ok(!samples.some((s) => s.name.startsWith('tollgate_nodejs_gc_duration_seconds')));
    // The scrape is not a GraphQL request: nothing counted for it.
    const again = await scrape(gateway);
    assert.deepEqual(series(again, 'tollgate_requests_total'), series(samples, 'tollgate_requests_total'));

    assert.deepEqual(series(await scrape(other), 'tollgate_requests_total'), ['{"client":"unknown","code":"ok","operation":"anonymous"} 1']);
  });

  test('operation names beyond max_label_values, or too long, count as `other`', async () => {
    const gateway = await start({ telemetry: { logging: { level: 'silent' }, metrics: { max_label_values: 2 } } });
    for (const name of ['Q1', 'Q2', 'Q3', 'Q4', 'Q1', 'L'.repeat(101)]) {
      assert.equal((await postGraphQL(gateway.url, { query: `query ${name} { hello }` })).status, 200);
    }
    const samples = await scrape(gateway);
    assert.deepEqual(series(samples, 'tollgate_requests_total'), [
      '{"client":"unknown","code":"ok","operation":"Q1"} 2',
      '{"client":"unknown","code":"ok","operation":"Q2"} 1',
      '{"client":"unknown","code":"ok","operation":"other"} 3',
    ]);
  });

  test('operation × client combinations are capped too; the registry\'s error codes never fold into `other`', async () => {
    // max_label_values 2: two names of each, and 5 × 2 = 10 operation × client series at most.
    const gateway = await start({ telemetry: { logging: { level: 'silent' }, metrics: { max_label_values: 2 } } });
    for (const operation of ['Q1', 'Q2', 'Q3', 'Q4']) {
      for (const client of ['c1', 'c2', 'c3', 'c4']) {
        assert.equal((await postGraphQL(gateway.url, { query: `query ${operation} { hello }` }, { 'apollographql-client-name': client })).status, 200);
      }
    }
    for (const query of ['{ nope }', '{']) await postGraphQL(gateway.url, { query });
    await postGraphQL(gateway.url, { query: '{ hello }', operationName: 'Missing' });
    const samples = await scrape(gateway);
    const combinations = series(samples, 'tollgate_request_duration_seconds_count');
    // Q1,Q2,other × c1,c2,other = 9 combinations under the cap, plus `unknown` × unknown (the
    // refused ones): 10; nothing past it.
    assert.ok(combinations.length <= 11, `${combinations.length} series: ${combinations.join(', ')}`);
    assert.ok(combinations.some((line) => line.startsWith('{"client":"other","operation":"other"}')), 'other × other is there');
    // Three registry codes with a cap of 2: each is counted under its own name.
    assert.deepEqual(
      series(samples, 'tollgate_errors_total').map((line) => line.replace(/ \d+$/, '')),
      ['{"code":"GRAPHQL_PARSE_FAILED"}', '{"code":"GRAPHQL_VALIDATION_FAILED"}', '{"code":"OPERATION_RESOLUTION_FAILURE"}'],
    );
  });

  test('quota decisions by profile', async () => {
    const gateway = await start({ redis: { url: '' }, quotas: { rules: [{ key: ['ip'], requests: { limit: 2, window_s: 60 } }] } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await postGraphQL(gateway.url, { query: 'query Q { hello }' })).status);
    assert.deepEqual(statuses, [200, 200, 429]);
    const samples = await scrape(gateway);
    assert.deepEqual(series(samples, 'tollgate_quota_decisions_total'), ['{"decision":"admitted","profile":"anonymous","rule":"none"} 2', '{"decision":"limited","profile":"anonymous","rule":"requests"} 1']);
    assert.deepEqual(series(samples, 'tollgate_requests_total'), [
      '{"client":"unknown","code":"RATE_LIMITED","operation":"Q"} 1',
      '{"client":"unknown","code":"ok","operation":"Q"} 2',
    ]);
    assert.deepEqual(series(samples, 'tollgate_errors_total'), ['{"code":"RATE_LIMITED"} 1']);
  });

  test('subgraph failures, costs, Redis round trips and JWKS fetches', async () => {
    const DOWN_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
      type Query { down: String }`;
    const twoSubgraphs = composeForTest([
      { name: 'hello', routingUrl: subgraph.url, sdl: SDL },
      { name: 'down', routingUrl: await deadUrl(), sdl: DOWN_SDL },
    ]);
    const jwks: JwksServer = await startJwksServer([]);
    const jwksSource = (url: string) => ({ url, issuers: ['urn:test'], audiences: ['test'], algorithms: ['RS256' as const], poll_interval_s: 600, cooldown_s: 600 });
    try {
      const gateway = await startTestGateway(twoSubgraphs, {
        redis: { url: REDIS_URL, key_prefix: uniquePrefix('metrics') },
        quotas: { rules: [{ key: ['ip'], requests: { limit: 100, window_s: 60 } }] },
        demand_control: { enabled: true, mode: 'measure' },
        authentication: { jwt: { jwks: [jwksSource(jwks.url), jwksSource(await deadUrl())] } },
      });
      gateways.push(gateway);
      assert.equal((await postGraphQL(gateway.url, { query: 'query Ok { hello }' })).status, 200);
      const failed = await postGraphQL(gateway.url, { query: 'query Down { down }' });
      assert.equal(failed.body.errors[0].extensions.code, 'SUBGRAPH_UNAVAILABLE');
      // The wait for the first JWKS fetches (both started at start-up) to finish.
      for (let i = 0; i < 100 && Object.values(gateway.stages.identify.jwksStats()).some((s) => s.fetches === 0); i++) await new Promise((r) => setTimeout(r, 20));

      const samples = await scrape(gateway);
      assert.deepEqual(series(samples, 'tollgate_subgraph_fetch_duration_seconds_count'), ['{"subgraph":"down"} 1', '{"subgraph":"hello"} 1']);
      assert.deepEqual(series(samples, 'tollgate_subgraph_errors_total'), ['{"code":"SUBGRAPH_UNAVAILABLE","subgraph":"down"} 1']);
      assert.deepEqual(series(samples, 'tollgate_requests_total'), [
        '{"client":"unknown","code":"ok","operation":"Ok"} 1',
        '{"client":"unknown","code":"ok_with_errors","operation":"Down"} 1',
      ]);
      assert.deepEqual(series(samples, 'tollgate_errors_total'), ['{"code":"SUBGRAPH_UNAVAILABLE"} 1']);
      // Each operation costs 1 (one scalar field of Query); both were priced from their responses.
      assert.deepEqual(series(samples, 'tollgate_cost_estimated_count'), ['{} 2']);
      assert.deepEqual(series(samples, 'tollgate_cost_actual_count'), ['{} 2']);
      // One GCRA script call per admitted request, against the real Redis.
      assert.deepEqual(series(samples, 'tollgate_redis_command_duration_seconds_count'), ['{"command":"gcra"} 2']);
      // At 0 from the first round trip, so that an alert's increase() sees the first error.
      assert.deepEqual(series(samples, 'tollgate_redis_command_errors_total'), ['{"command":"gcra"} 0']);
      assert.deepEqual(series(samples, 'tollgate_quota_store_up'), ['{"store":"redis"} 1']);
      assert.deepEqual(series(samples, 'tollgate_quota_decisions_total'), ['{"decision":"admitted","profile":"anonymous","rule":"none"} 2']);
      assert.deepEqual(series(samples, 'tollgate_jwks_fetches_total'), [
        '{"jwks":"authentication.jwt.jwks.0","result":"error"} 0',
        '{"jwks":"authentication.jwt.jwks.0","result":"ok"} 1',
        '{"jwks":"authentication.jwt.jwks.1","result":"error"} 1',
        '{"jwks":"authentication.jwt.jwks.1","result":"ok"} 0',
      ]);
    } finally {
      await jwks.stop();
    }
  });

  test('supergraph loads: start-up and reloads counted, a refused one as error; the info metric follows the serving hash', async () => {
    const gateway = await start({ telemetry: { logging: { level: 'silent' } } });
    const firstHash = gateway.stages.graph!.schemaHash;
    assert.deepEqual(series(await scrape(gateway), 'tollgate_supergraph_loads_total'), ['{"result":"error"} 0', '{"result":"ok"} 1']);
    const BYE_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
      type Query { hello: String bye: String }`;
    await gateway.reloadSupergraph(composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: BYE_SDL }]));
    const secondHash = gateway.stages.graph!.schemaHash;
    assert.notEqual(secondHash, firstHash);
    await assert.rejects(gateway.reloadSupergraph('this is not a supergraph'));
    const samples = await scrape(gateway);
    assert.deepEqual(series(samples, 'tollgate_supergraph_loads_total'), ['{"result":"error"} 1', '{"result":"ok"} 2']);
    assert.deepEqual(series(samples, 'tollgate_supergraph_info'), [`{"hash":"${secondHash}"} 1`]);
  });

  test('telemetry.metrics.listen: metrics on a listener of their own, not on the main port', async () => {
    const gateway = await start({ telemetry: { logging: { level: 'silent' }, metrics: { listen: '127.0.0.1:0' } } });
    assert.equal((await postGraphQL(gateway.url, { query: 'query Own { hello }' })).status, 200);
    const onMain = await fetch(`http://127.0.0.1:${gateway.port}/metrics`);
    assert.equal(onMain.status, 404);
    assert.ok(gateway.metricsPort !== undefined && gateway.metricsPort !== gateway.port);
    const own = await fetch(`http://127.0.0.1:${gateway.metricsPort}/metrics`);
    assert.equal(own.status, 200);
    assert.deepEqual(series(parseMetrics(await own.text()), 'tollgate_requests_total'), ['{"client":"unknown","code":"ok","operation":"Own"} 1']);
    const elsewhere = await fetch(`http://127.0.0.1:${gateway.metricsPort}/graphql`);
    assert.equal(elsewhere.status, 404);
    assert.equal(((await elsewhere.json()) as any).errors[0].extensions.requestId, elsewhere.headers.get('x-request-id'));
    const posted = await fetch(`http://127.0.0.1:${gateway.metricsPort}/metrics`, { method: 'POST' });
    assert.equal(posted.status, 405);
    assert.equal(posted.headers.get('allow'), 'GET, HEAD');

    // A port already taken: start-up fails with the key named, and the main listener is closed again.
    await assert.rejects(
      start({ telemetry: { logging: { level: 'silent' }, metrics: { listen: `127.0.0.1:${gateway.metricsPort}` } } }),
      /telemetry\.metrics\.listen: cannot listen on 127\.0\.0\.1:\d+: the address is already in use/,
    );
  });

  test('a custom path; /metrics is absent (404) when disabled', async () => {
    const custom = await start({ telemetry: { logging: { level: 'silent' }, metrics: { path: '/internal/metrics' } } });
    assert.equal((await fetch(`http://127.0.0.1:${custom.port}/internal/metrics`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${custom.port}/metrics`)).status, 404);

    const disabled = await start({ telemetry: { logging: { level: 'silent' }, metrics: { enabled: false } } });
    assert.equal(disabled.metrics, undefined);
    const response = await fetch(`http://127.0.0.1:${disabled.port}/metrics`);
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code, 'NOT_FOUND');
  });
});

test('metrics config that cannot work is refused at start-up, naming the key', () => {
  const refused = (config: Omit<GatewayConfigInput, 'supergraph'>, line: string) => {
    assert.throws(() => parseConfig({ supergraph: { file: 's.graphql' }, ...config }, {}), (error: Error) => error instanceof ConfigError && error.message.includes(line));
  };
  refused({ telemetry: { metrics: { path: '/graphql' } } }, 'telemetry.metrics.path: the same path as server.graphql_path (/graphql)');
  refused({ telemetry: { metrics: { path: '/health' } } }, 'telemetry.metrics.path: the same path as server.health_path (/health)');
  refused({ telemetry: { metrics: { enabled: false, listen: '127.0.0.1:9464' } } }, 'telemetry.metrics.listen: set, but telemetry.metrics.enabled is false');
  refused({ server: { listen: '127.0.0.1:4000' }, telemetry: { metrics: { listen: '127.0.0.1:4000' } } }, 'telemetry.metrics.listen: the same address as server.listen (127.0.0.1:4000)');
  // On a listener of its own, the metrics path may be anything.
  assert.equal(parseConfig({ supergraph: { file: 's.graphql' }, telemetry: { metrics: { path: '/graphql', listen: '127.0.0.1:0' } } }, {}).telemetry.metrics.path, '/graphql');
});
