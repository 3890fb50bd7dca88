// Tracing (issue 12): real gateways export to an in-process OTLP/HTTP receiver on 127.0.0.1, and
// the spans it gets are asserted — their tree (server span → stage spans → Redis round trip,
// planning, subgraph fetches), names, kinds, attributes and status; fixture subgraphs assert the
// `traceparent` they got is the fetch span's, with the request's `x-request-id`. Client trace
// context trusted or only linked; the ratio sampler; the access log's traceId; off by default.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { postGraphQL, startLoggedGateway, startTestGateway } from '../../support/gateway.ts';
import { SPAN_KIND, spanTree, startOtlpReceiver, STATUS_CODE, type OtlpReceiver } from '../../support/otlp-receiver.ts';
import { connectTestRedis, deletePrefix, REDIS_URL, uniquePrefix } from '../../support/redis.ts';
import {
  eventually,
  GET_PRODUCTS,
  GET_PRODUCTS_DATA,
  metricValue,
  onlySpan,
  parseTraceparent,
  serverSpanOf,
  startSubgraphs,
  tracingTelemetry,
  type Subgraphs,
} from './tracing-helpers.ts';

const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';

describe('tracing', () => {
  let subgraphs: Subgraphs;
  const receivers: OtlpReceiver[] = [];
  const gateways = new Set<{ stop(): Promise<void> }>();
  const prefix = uniquePrefix('tracing');

  const receiver = async () => {
    const started = await startOtlpReceiver();
    receivers.push(started);
    return started;
  };
  const gatewayWith = async (overrides: Parameters<typeof startTestGateway>[1]) => {
    const gateway = await startTestGateway(subgraphs.supergraph, overrides);
    gateways.add(gateway);
    return gateway;
  };
  /** The headers the subgraph got for the request `requestId`. */
  const receivedBy = (subgraph: 'products' | 'inventory', requestId: string) => {
    const found = subgraphs[subgraph].received.filter((headers) => headers['x-request-id'] === requestId);
    assert.equal(found.length, 1, `${subgraph} got one request with x-request-id ${requestId}`);
    return found[0]!;
  };

  before(async () => {
    subgraphs = await startSubgraphs();
  });
  after(async () => {
    for (const gateway of gateways) await gateway.stop();
    for (const started of receivers) await started.stop();
    await subgraphs.stop();
    const redis = connectTestRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  test('one request: a server span, a span per stage, the Redis round trip, planning and one CLIENT span per subgraph fetch', async () => {
    const otlp = await receiver();
    const gateway = await gatewayWith({
      demand_control: { enabled: true, mode: 'measure' },
      quotas: { rules: [{ key: ['ip'], requests: { limit: 1000, window_s: 3600 } }] },
      redis: { url: REDIS_URL, key_prefix: prefix, timeout_ms: 2000 },
      telemetry: tracingTelemetry(otlp.url),
    });
    const response = await postGraphQL(gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'tree-1', 'apollographql-client-name': 'web', 'apollographql-client-version': '2.1.0' });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.data, GET_PRODUCTS_DATA);

    await otlp.waitFor((spans) => serverSpanOf(spans, 'tree-1') !== undefined);
    const server = serverSpanOf(otlp.spans, 'tree-1')!;
    const { traceId } = server;
    await otlp.waitFor((spans) => spans.filter((s) => s.traceId === traceId).length >= 10);
    assert.deepEqual(spanTree(otlp.spans, traceId), [
      'query GetProducts [server]',
      '  tollgate.authenticate [internal]',
      '  graphql.validate [internal]',
      '  tollgate.cost [internal]',
      '  tollgate.quota [internal]',
      '    EVALSHA [client]',
      '  graphql.execute [internal]',
      '    graphql.plan [internal]',
      '    subgraph products [client]',
      '    subgraph inventory [client]',
    ]);
    assert.equal(otlp.spans.filter((s) => s.traceId === traceId).length, 10, 'nothing else in the trace');

    // The server span: a root, HTTP server and GraphQL attributes, the request id, the client.
    assert.equal(server.parentSpanId, '');
    assert.equal(server.kind, SPAN_KIND.server);
    assert.deepEqual(server.status, { code: STATUS_CODE.unset });
    assert.deepEqual(
      {
        method: server.attributes['http.request.method'],
        path: server.attributes['url.path'],
        route: server.attributes['http.route'],
        status: server.attributes['http.response.status_code'],
        port: server.attributes['server.port'],
        operationName: server.attributes['graphql.operation.name'],
        operationType: server.attributes['graphql.operation.type'],
        profile: server.attributes['tollgate.client_profile'],
        clientName: server.attributes['tollgate.client_name'],
        clientVersion: server.attributes['tollgate.client_version'],
      },
      { method: 'POST', path: '/graphql', route: '/graphql', status: 200, port: gateway.port, operationName: 'GetProducts', operationType: 'query', profile: 'anonymous', clientName: 'web', clientVersion: '2.1.0' },
    );
    assert.equal(server.resource['service.name'], 'tollgate-test');

    // Every stage span is the server span's child; each ended OK (status unset).
    for (const name of ['tollgate.authenticate', 'graphql.validate', 'tollgate.cost', 'tollgate.quota', 'graphql.execute']) {
      const stage = onlySpan(otlp.spans, traceId, name);
      assert.equal(stage.parentSpanId, server.spanId, `${name}'s parent is the server span`);
      assert.equal(stage.kind, SPAN_KIND.internal);
      assert.equal(stage.status.code, STATUS_CODE.unset, name);
    }
    assert.equal(onlySpan(otlp.spans, traceId, 'tollgate.cost').attributes['tollgate.cost.estimated'], 10);

    // The quota's round trip to Redis, under the quota span.
    const redis = onlySpan(otlp.spans, traceId, 'EVALSHA');
    assert.equal(redis.parentSpanId, onlySpan(otlp.spans, traceId, 'tollgate.quota').spanId);
    assert.equal(redis.kind, SPAN_KIND.client);
    const redisUrl = new URL(REDIS_URL);
    assert.deepEqual(redis.attributes, {
      'db.system.name': 'redis',
      'db.operation.name': 'EVALSHA',
      'tollgate.quota.command': 'gcra',
      'server.address': redisUrl.hostname,
      'server.port': Number(redisUrl.port || 6379),
    });

    // Planning and the fetches, under the execute span.
    const execute = onlySpan(otlp.spans, traceId, 'graphql.execute');
    const plan = onlySpan(otlp.spans, traceId, 'graphql.plan');
    assert.equal(plan.parentSpanId, execute.spanId);
    assert.deepEqual(plan.attributes, { 'tollgate.plan.cached': false, 'tollgate.plan.fetches': 2 });
    for (const name of ['products', 'inventory'] as const) {
      const fetchSpan = onlySpan(otlp.spans, traceId, `subgraph ${name}`);
      assert.equal(fetchSpan.parentSpanId, execute.spanId, `subgraph ${name}'s parent is the execute span`);
      assert.equal(fetchSpan.kind, SPAN_KIND.client);
      assert.deepEqual(fetchSpan.status, { code: STATUS_CODE.unset });
      const url = new URL(subgraphs[name].url);
      assert.deepEqual(fetchSpan.attributes, {
        'http.request.method': 'POST',
        'tollgate.subgraph.name': name,
        'url.full': subgraphs[name].url,
        'server.address': '127.0.0.1',
        'server.port': Number(url.port),
        'http.response.status_code': 200,
      });
      // The subgraph got this fetch span's traceparent (sampled) and the client's request id.
      const headers = receivedBy(name, 'tree-1');
      assert.deepEqual(parseTraceparent(headers['traceparent']), { version: '00', traceId, parentId: fetchSpan.spanId, flags: '01' });
      assert.equal(headers['tracestate'], undefined);
    }

    // The same operation again: its plan comes from the cache.
    await postGraphQL(gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'tree-2' });
    await otlp.waitFor((spans) => serverSpanOf(spans, 'tree-2') !== undefined && spans.some((s) => s.traceId === serverSpanOf(spans, 'tree-2')!.traceId && s.name === 'graphql.plan'));
    const second = serverSpanOf(otlp.spans, 'tree-2')!;
    assert.notEqual(second.traceId, traceId, 'each request is a trace of its own');
    assert.equal(onlySpan(otlp.spans, second.traceId, 'graphql.plan').attributes['tollgate.plan.cached'], true);

    // What the receiver took is what /metrics says was exported.
    await eventually(() => gateway.tracing!.stats.exported === otlp.spans.length, 'the exporter counted every span the receiver got');
    assert.equal(await metricValue(gateway.port, 'tollgate_trace_spans_exported_total'), otlp.spans.length);
    assert.equal(await metricValue(gateway.port, 'tollgate_trace_export_failures_total'), 0);
    assert.equal(await metricValue(gateway.port, 'tollgate_trace_spans_dropped_total', { reason: 'queue_full' }), 0);
  });

  test('executor: apollo: the same tree without a planning span (it plans inside @apollo/gateway), traceparent sent all the same', async () => {
    const otlp = await receiver();
    const gateway = await gatewayWith({ executor: 'apollo', telemetry: tracingTelemetry(otlp.url) });
    const response = await postGraphQL(gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'apollo-1' });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.data, GET_PRODUCTS_DATA);
    await otlp.waitFor((spans) => serverSpanOf(spans, 'apollo-1') !== undefined);
    const { traceId } = serverSpanOf(otlp.spans, 'apollo-1')!;
    await otlp.waitFor((spans) => spans.filter((s) => s.traceId === traceId).length >= 6);
    assert.deepEqual(spanTree(otlp.spans, traceId), [
      'query GetProducts [server]',
      '  tollgate.authenticate [internal]',
      '  graphql.validate [internal]',
      '  graphql.execute [internal]',
      '    subgraph products [client]',
      '    subgraph inventory [client]',
    ]);
    for (const name of ['products', 'inventory'] as const) {
      const fetchSpan = onlySpan(otlp.spans, traceId, `subgraph ${name}`);
      assert.equal(fetchSpan.attributes['url.full'], subgraphs[name].url);
      assert.equal(parseTraceparent(receivedBy(name, 'apollo-1')['traceparent']).parentId, fetchSpan.spanId);
    }
  });

  test('refusals: the stage that refused and the server span are ERROR with the code; a failing fetch is ERROR with its own', async () => {
    const otlp = await receiver();
    // Memory store, one request per hour for anonymous callers by IP: the second is refused.
    const gateway = await gatewayWith({
      quotas: { rules: [{ key: ['ip'], requests: { limit: 1, window_s: 3600 } }] },
      telemetry: tracingTelemetry(otlp.url),
    });
    const invalid = await postGraphQL(gateway.url, { query: '{ nope }' }, { 'x-request-id': 'refused-invalid', accept: 'application/graphql-response+json' });
    assert.equal(invalid.status, 400);
    subgraphs.inventory.next({ kind: 'status', status: 500, body: 'boom' });
    const partial = await postGraphQL(gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'refused-partial' });
    assert.equal(partial.status, 200);
    const fetchCode = partial.body.errors?.[0]?.extensions?.code;
    assert.equal(fetchCode, 'SUBGRAPH_HTTP_ERROR');
    const limited = await postGraphQL(gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'refused-limited' });
    assert.equal(limited.status, 429);

    await otlp.waitFor((spans) => ['refused-invalid', 'refused-partial', 'refused-limited'].every((id) => serverSpanOf(spans, id) !== undefined));
    await otlp.waitFor((spans) => spans.length >= 3 + 8 + 4);

    // Invalid document: stage 4 refused; nothing ran after it.
    const invalidServer = serverSpanOf(otlp.spans, 'refused-invalid')!;
    assert.deepEqual(spanTree(otlp.spans, invalidServer.traceId), ['POST /graphql [server]', '  tollgate.authenticate [internal]', '  graphql.validate [internal]']);
    assert.deepEqual(invalidServer.status, { code: STATUS_CODE.error, message: 'GRAPHQL_VALIDATION_FAILED' });
    assert.equal(invalidServer.attributes['error.type'], 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(invalidServer.attributes['http.response.status_code'], 400);
    assert.equal(invalidServer.attributes['graphql.operation.name'], undefined);
    const validate = onlySpan(otlp.spans, invalidServer.traceId, 'graphql.validate');
    assert.deepEqual(validate.status, { code: STATUS_CODE.error, message: 'GRAPHQL_VALIDATION_FAILED' });
    assert.equal(onlySpan(otlp.spans, invalidServer.traceId, 'tollgate.authenticate').status.code, STATUS_CODE.unset);

    // A subgraph answering 500: its fetch span fails; the request itself is a partial result.
    const partialServer = serverSpanOf(otlp.spans, 'refused-partial')!;
    const inventory = onlySpan(otlp.spans, partialServer.traceId, 'subgraph inventory');
    assert.deepEqual(inventory.status, { code: STATUS_CODE.error, message: 'SUBGRAPH_HTTP_ERROR' });
    assert.equal(inventory.attributes['error.type'], 'SUBGRAPH_HTTP_ERROR');
    assert.equal(inventory.attributes['http.response.status_code'], 500);
    assert.equal(onlySpan(otlp.spans, partialServer.traceId, 'subgraph products').status.code, STATUS_CODE.unset);
    assert.equal(partialServer.status.code, STATUS_CODE.unset, 'a partial result is not a refusal');
    assert.deepEqual(partialServer.attributes['tollgate.error_codes'], ['SUBGRAPH_HTTP_ERROR']);
    // The memory store makes no round trip: the quota span has no child.
    assert.deepEqual(
      spanTree(otlp.spans, partialServer.traceId).filter((line) => line.startsWith('  ')),
      ['  tollgate.authenticate [internal]', '  graphql.validate [internal]', '  tollgate.quota [internal]', '  graphql.execute [internal]', '    graphql.plan [internal]', '    subgraph products [client]', '    subgraph inventory [client]'],
    );

    // Over the quota: stage 5 refused, nothing was executed.
    const limitedServer = serverSpanOf(otlp.spans, 'refused-limited')!;
    assert.deepEqual(spanTree(otlp.spans, limitedServer.traceId), [
      'query GetProducts [server]',
      '  tollgate.authenticate [internal]',
      '  graphql.validate [internal]',
      '  tollgate.quota [internal]',
    ]);
    assert.deepEqual(limitedServer.status, { code: STATUS_CODE.error, message: 'RATE_LIMITED' });
    assert.equal(limitedServer.attributes['http.response.status_code'], 429);
    assert.deepEqual(onlySpan(otlp.spans, limitedServer.traceId, 'tollgate.quota').status, { code: STATUS_CODE.error, message: 'RATE_LIMITED' });
  });

  test("the access log's traceId is the exported trace's id", async () => {
    const otlp = await receiver();
    const logged = await startLoggedGateway(subgraphs.supergraph, { telemetry: tracingTelemetry(otlp.url, {}, 'info') });
    gateways.add(logged);
    const response = await postGraphQL(logged.gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'logged-1' });
    assert.equal(response.status, 200);
    await otlp.waitFor((spans) => serverSpanOf(spans, 'logged-1') !== undefined);
    const accessLine = logged.logs.find((line) => line['msg'] === 'request' && line['requestId'] === 'logged-1');
    assert.ok(accessLine, 'an access log line for the request');
    assert.match(accessLine['traceId'], /^[0-9a-f]{32}$/);
    assert.equal(accessLine['traceId'], serverSpanOf(otlp.spans, 'logged-1')!.traceId);
  });

  test("a client's traceparent is continued when trusted (the default): same trace, the client's span as parent, tracestate passed on", async () => {
    const otlp = await receiver();
    const gateway = await gatewayWith({ telemetry: tracingTelemetry(otlp.url) });
    const response = await postGraphQL(
      gateway.url,
      { query: GET_PRODUCTS },
      { 'x-request-id': 'trusted-1', traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`, tracestate: 'vendor=opaque,other=1' },
    );
    assert.equal(response.status, 200);
    await otlp.waitFor((spans) => serverSpanOf(spans, 'trusted-1') !== undefined);
    const server = serverSpanOf(otlp.spans, 'trusted-1')!;
    assert.equal(server.traceId, CLIENT_TRACE_ID);
    assert.equal(server.parentSpanId, CLIENT_SPAN_ID);
    assert.equal(server.traceState, 'vendor=opaque,other=1');
    assert.deepEqual(server.links, []);
    await otlp.waitFor((spans) => spans.filter((s) => s.traceId === CLIENT_TRACE_ID).length >= 7);
    for (const name of ['products', 'inventory'] as const) {
      const headers = receivedBy(name, 'trusted-1');
      const fetchSpan = onlySpan(otlp.spans, CLIENT_TRACE_ID, `subgraph ${name}`);
      assert.deepEqual(parseTraceparent(headers['traceparent']), { version: '00', traceId: CLIENT_TRACE_ID, parentId: fetchSpan.spanId, flags: '01' });
      assert.equal(headers['tracestate'], 'vendor=opaque,other=1');
    }

    // A malformed traceparent is ignored: a trace of the gateway's own, no link, no tracestate.
    await postGraphQL(gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'trusted-malformed', traceparent: `00-${CLIENT_TRACE_ID}-zz-01`, tracestate: 'vendor=opaque' });
    await otlp.waitFor((spans) => serverSpanOf(spans, 'trusted-malformed') !== undefined);
    const fresh = serverSpanOf(otlp.spans, 'trusted-malformed')!;
    assert.notEqual(fresh.traceId, CLIENT_TRACE_ID);
    assert.deepEqual({ parent: fresh.parentSpanId, links: fresh.links, traceState: fresh.traceState }, { parent: '', links: [], traceState: '' });
    assert.equal(parseTraceparent(receivedBy('products', 'trusted-malformed')['traceparent']).traceId, fresh.traceId);
    assert.equal(receivedBy('products', 'trusted-malformed')['tracestate'], undefined);

    // A valid traceparent with a tracestate that cannot be parsed: the trace continues, and no
    // (empty) tracestate header goes to the subgraph.
    await postGraphQL(gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'trusted-bad-state', traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`, tracestate: '=,=' });
    assert.equal(parseTraceparent(receivedBy('products', 'trusted-bad-state')['traceparent']).traceId, CLIENT_TRACE_ID);
    assert.ok(!('tracestate' in receivedBy('products', 'trusted-bad-state')), 'no tracestate header at all');
  });

  test('propagation.trust_incoming false: a new trace, linked to the client span; the client trace goes no further', async () => {
    const otlp = await receiver();
    const gateway = await gatewayWith({ telemetry: tracingTelemetry(otlp.url, { propagation: { trust_incoming: false } }) });
    const response = await postGraphQL(
      gateway.url,
      { query: GET_PRODUCTS },
      { 'x-request-id': 'untrusted-1', traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`, tracestate: 'vendor=opaque' },
    );
    assert.equal(response.status, 200);
    await otlp.waitFor((spans) => serverSpanOf(spans, 'untrusted-1') !== undefined);
    const server = serverSpanOf(otlp.spans, 'untrusted-1')!;
    assert.notEqual(server.traceId, CLIENT_TRACE_ID);
    assert.match(server.traceId, /^[0-9a-f]{32}$/);
    assert.equal(server.parentSpanId, '');
    assert.equal(server.traceState, '');
    assert.deepEqual(server.links, [{ traceId: CLIENT_TRACE_ID, spanId: CLIENT_SPAN_ID, attributes: { 'tollgate.link': 'client_traceparent' } }]);
    await otlp.waitFor((spans) => spans.filter((s) => s.traceId === server.traceId).length >= 7);
    assert.equal(otlp.spans.filter((s) => s.traceId === CLIENT_TRACE_ID).length, 0);
    const headers = receivedBy('products', 'untrusted-1');
    assert.deepEqual(parseTraceparent(headers['traceparent']), {
      version: '00',
      traceId: server.traceId,
      parentId: onlySpan(otlp.spans, server.traceId, 'subgraph products').spanId,
      flags: '01',
    });
    assert.equal(headers['tracestate'], undefined);
  });

  test('sampler: ratio 0 exports nothing yet sends traceparent (flag 00); a sampled trusted parent is followed unless parent_based is false', async () => {
    const otlp = await receiver();
    const gateway = await gatewayWith({ telemetry: tracingTelemetry(otlp.url, { sampler: { ratio: 0 } }) });
    for (const id of ['ratio0-1', 'ratio0-2', 'ratio0-3']) {
      const response = await postGraphQL(gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': id });
      assert.equal(response.status, 200);
      const sent = parseTraceparent(receivedBy('products', id)['traceparent']);
      assert.equal(sent.flags, '00', 'not sampled');
      assert.notEqual(sent.traceId, '0'.repeat(32));
      assert.equal(parseTraceparent(receivedBy('inventory', id)['traceparent']).traceId, sent.traceId, 'one trace id per request');
    }
    // A client's sampled parent decides (parent_based, the default): this one is recorded.
    const clientTrace = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    await postGraphQL(gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'ratio0-client', traceparent: `00-${clientTrace}-${CLIENT_SPAN_ID}-01` });
    assert.equal(parseTraceparent(receivedBy('products', 'ratio0-client')['traceparent']).flags, '01');
    await otlp.waitFor((spans) => serverSpanOf(spans, 'ratio0-client') !== undefined);
    gateways.delete(gateway);
    await gateway.stop(); // flushes whatever is queued
    assert.ok(otlp.spans.length >= 7);
    assert.deepEqual([...new Set(otlp.spans.map((s) => s.traceId))], [clientTrace], 'only the client-sampled trace was exported');
    assert.equal(gateway.tracing!.stats.exported, otlp.spans.length);

    // parent_based: false — the ratio decides even for a client's sampled parent (its trace id is kept).
    const independent = await receiver();
    const ratioOnly = await gatewayWith({ telemetry: tracingTelemetry(independent.url, { sampler: { ratio: 0, parent_based: false } }) });
    const clientTrace2 = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
    const response = await postGraphQL(ratioOnly.url, { query: GET_PRODUCTS }, { 'x-request-id': 'ratio0-independent', traceparent: `00-${clientTrace2}-${CLIENT_SPAN_ID}-01` });
    assert.equal(response.status, 200);
    const sent = parseTraceparent(receivedBy('products', 'ratio0-independent')['traceparent']);
    assert.deepEqual({ traceId: sent.traceId, flags: sent.flags }, { traceId: clientTrace2, flags: '00' });
    gateways.delete(ratioOnly);
    await ratioOnly.stop();
    assert.equal(independent.requests.length, 0, 'nothing exported');
    assert.equal(ratioOnly.tracing!.stats.exported, 0);
  });

  test("an unsampled request's trace id is still in the access log, and is the one its subgraphs got", async () => {
    const otlp = await receiver();
    const logged = await startLoggedGateway(subgraphs.supergraph, { telemetry: tracingTelemetry(otlp.url, { sampler: { ratio: 0 } }, 'info') });
    gateways.add(logged);
    assert.equal((await postGraphQL(logged.gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'unsampled-logged' })).status, 200);
    const sent = parseTraceparent(receivedBy('products', 'unsampled-logged')['traceparent']);
    assert.equal(sent.flags, '00');
    const accessLine = logged.logs.find((line) => line['msg'] === 'request' && line['requestId'] === 'unsampled-logged');
    assert.equal(accessLine?.['traceId'], sent.traceId);
  });

  test('off by default: no tracer, no traceparent to subgraphs (a client one is not forwarded), no traceId in the access log', async () => {
    const logged = await startLoggedGateway(subgraphs.supergraph, {});
    gateways.add(logged);
    assert.equal(logged.gateway.config.telemetry.tracing.enabled, false);
    assert.equal(logged.gateway.tracing, undefined);
    const response = await postGraphQL(logged.gateway.url, { query: GET_PRODUCTS }, { 'x-request-id': 'off-1', traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01`, tracestate: 'vendor=opaque' });
    assert.equal(response.status, 200);
    for (const name of ['products', 'inventory'] as const) {
      const headers = receivedBy(name, 'off-1');
      assert.equal(headers['traceparent'], undefined, `${name} got no traceparent`);
      assert.equal(headers['tracestate'], undefined, `${name} got no tracestate`);
    }
    const accessLine = logged.logs.find((line) => line['msg'] === 'request' && line['requestId'] === 'off-1');
    assert.ok(accessLine);
    assert.equal('traceId' in accessLine, false);
    assert.equal(await metricValue(logged.gateway.port, 'tollgate_trace_spans_exported_total'), 0);
  });
});
