// The OTLP export as an outbound call (issue 12): a collector that is down, hangs, refuses,
// answers garbage or an oversized body never fails or holds a request; each failed export is
// counted (/metrics) and warned about at most once per interval (not per span); stop() returns with
// the hanging export's socket cut. The queue bound drops (and counts) spans; a batch holds at most
// max_export_batch_size spans; otlp.headers and gzip reach the collector.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { postGraphQL, startLoggedGateway, startTestGateway } from '../../support/gateway.ts';
import { startOtlpReceiver, type OtlpReceiver, type ReceiverBehaviour } from '../../support/otlp-receiver.ts';
import { eventually, GET_PRODUCTS, GET_PRODUCTS_DATA, metricValue, startSubgraphs, tracingTelemetry, type Subgraphs } from './tracing-helpers.ts';

/** Spans of one GET_PRODUCTS request without quotas or costs: server, authenticate, validate, execute, plan, two fetches. */
const SPANS_PER_REQUEST = 7;

const FAILING: Array<{ name: string; behaviour: ReceiverBehaviour | 'down' }> = [
  { name: 'down (connection refused)', behaviour: 'down' },
  { name: 'hanging', behaviour: { kind: 'hang' } },
  { name: 'answering 500', behaviour: { kind: 'status', status: 500, body: '{"error":"boom"}' } },
  { name: 'answering 503 (retried until the deadline)', behaviour: { kind: 'status', status: 503, body: 'unavailable', contentType: 'text/plain' } },
  { name: 'answering garbage with 400', behaviour: { kind: 'garbage', status: 400 } },
  { name: 'answering 200 with a body over 4 MiB', behaviour: { kind: 'status', status: 200, body: Buffer.alloc(5 * 1024 * 1024, 0x20) } },
];

describe('OTLP export failures', () => {
  let subgraphs: Subgraphs;
  before(async () => {
    subgraphs = await startSubgraphs();
  });
  after(async () => {
    await subgraphs.stop();
  });

  for (const { name, behaviour } of FAILING) {
    test(`a collector ${name}: requests are served, failures counted and warned once, stop() returns`, async () => {
      const receiver = await startOtlpReceiver();
      if (behaviour === 'down') await receiver.stop();
      else receiver.behave(behaviour);
      const logged = await startLoggedGateway(subgraphs.supergraph, { telemetry: tracingTelemetry(receiver.url, { otlp: { timeout_ms: 300 } }, 'info') });
      const tracing = logged.gateway.tracing!;
      try {
        const first = await postGraphQL(logged.gateway.url, { query: GET_PRODUCTS });
        assert.equal(first.status, 200);
        assert.deepEqual(first.body.data, GET_PRODUCTS_DATA);
        await eventually(() => tracing.stats.exportFailures >= 1, 'a failed export');
        const second = await postGraphQL(logged.gateway.url, { query: GET_PRODUCTS });
        assert.equal(second.status, 200);
        assert.deepEqual(second.body.data, GET_PRODUCTS_DATA);
        await eventually(() => tracing.stats.droppedExportFailed === 2 * SPANS_PER_REQUEST, 'every span of both requests lost with a failed export');
        assert.ok(tracing.stats.exportFailures >= 2, 'one export per request at least');
        assert.equal(tracing.stats.exported, 0);
        if (behaviour !== 'down') assert.ok(receiver.requests.length >= 2, 'the exports reached the collector');

        assert.equal(await metricValue(logged.gateway.port, 'tollgate_trace_export_failures_total'), tracing.stats.exportFailures);
        assert.equal(await metricValue(logged.gateway.port, 'tollgate_trace_spans_dropped_total', { reason: 'export_failed' }), 2 * SPANS_PER_REQUEST);
        assert.equal(await metricValue(logged.gateway.port, 'tollgate_trace_spans_exported_total'), 0);
        // Warned once (the next warning comes 30 s later at the earliest), at warn, with the reason.
        const warnings = logged.logs.filter((line) => line['component'] === 'tracing');
        assert.equal(warnings.length, 1, JSON.stringify(warnings));
        assert.equal(warnings[0]!['level'], 40);
        assert.match(warnings[0]!['msg'], /^trace export failed/);
        assert.equal(typeof warnings[0]!['error'], 'string');
        assert.equal(logged.logs.filter((line) => line['level'] >= 50).length, 0, 'no error lines');
      } finally {
        await logged.stop();
      }
      // The gateway stopped with the export's connection cut (a hanging collector holds none).
      await eventually(() => receiver.openConnections === 0, 'no connection from the gateway left open');
      if (behaviour !== 'down') await receiver.stop();
    });
  }

  test('stop() during an export that hangs (otlp.timeout_ms 60 s): returns, the connection is cut and the export ends failed, without a retry', async () => {
    const receiver = await startOtlpReceiver();
    receiver.behave({ kind: 'hang' });
    const gateway = await startTestGateway(subgraphs.supergraph, { telemetry: tracingTelemetry(receiver.url, { otlp: { timeout_ms: 60_000 } }) });
    try {
      assert.equal((await postGraphQL(gateway.url, { query: GET_PRODUCTS })).status, 200);
      await receiver.waitForRequests(1);
      assert.equal(receiver.openConnections, 1, 'the export hangs on its connection');
      assert.equal(gateway.tracing!.stats.exportFailures, 0);
    } finally {
      await gateway.stop();
    }
    // Ended by the cut, not by its 60 s deadline (the spans may have gone in one export or two:
    // shutdown flushes what was still queued); the exporter's retries did not reach the collector.
    await eventually(() => receiver.openConnections === 0, 'the hanging export connection closed');
    await eventually(() => gateway.tracing!.stats.droppedExportFailed === SPANS_PER_REQUEST, 'every span lost with a failed export');
    const failures = gateway.tracing!.stats.exportFailures;
    assert.ok(failures >= 1 && failures <= 2, `${failures} failed exports`);
    assert.equal(gateway.tracing!.stats.exported, 0);
    assert.ok(receiver.requests.length <= failures, `${receiver.requests.length} export requests received for ${failures} exports: no retry was sent`);
    await receiver.stop();
  });

  test('a collector answering garbage with 200 counts as delivered (OTLP: a 2xx is success; the body is only a partial-success report)', async () => {
    const receiver = await startOtlpReceiver();
    receiver.behave({ kind: 'garbage', status: 200 });
    const gateway = await startTestGateway(subgraphs.supergraph, { telemetry: tracingTelemetry(receiver.url, { otlp: { timeout_ms: 300 } }) });
    try {
      assert.equal((await postGraphQL(gateway.url, { query: GET_PRODUCTS })).status, 200);
      await eventually(() => gateway.tracing!.stats.exported === SPANS_PER_REQUEST, 'the spans counted as exported');
      assert.equal(gateway.tracing!.stats.exportFailures, 0);
      assert.equal(await metricValue(gateway.port, 'tollgate_trace_export_failures_total'), 0);
    } finally {
      await gateway.stop();
      await receiver.stop();
    }
  });

  test('a full queue drops spans and counts them (batch.max_queue_size), requests unaffected', async () => {
    const receiver = await startOtlpReceiver();
    receiver.behave({ kind: 'hang' });
    // Four spans queued at most; the first four go to the hanging collector, the next four wait,
    // the rest are dropped until that export gives up (timeout_ms).
    const gateway = await startTestGateway(subgraphs.supergraph, {
      telemetry: tracingTelemetry(receiver.url, { otlp: { timeout_ms: 3000 } as never, batch: { max_queue_size: 4, max_export_batch_size: 4, scheduled_delay_ms: 60_000 } }),
    });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await postGraphQL(gateway.url, { query: GET_PRODUCTS });
        assert.equal(response.status, 200);
        assert.deepEqual(response.body.data, GET_PRODUCTS_DATA);
      }
      const dropped = gateway.tracing!.stats.droppedQueueFull;
      assert.ok(dropped >= 3 * SPANS_PER_REQUEST - 8, `dropped ${dropped}`);
      assert.equal(await metricValue(gateway.port, 'tollgate_trace_spans_dropped_total', { reason: 'queue_full' }), dropped);
    } finally {
      await gateway.stop();
      await receiver.stop();
    }
  });

  test('export requests: at most max_export_batch_size spans each, otlp.headers sent, gzip when compression is gzip', async () => {
    const receiver = await startOtlpReceiver();
    const gateway = await startTestGateway(subgraphs.supergraph, {
      telemetry: tracingTelemetry(receiver.url, {
        otlp: { headers: { 'x-collector-key': 'k-123' }, compression: 'gzip' } as never,
        batch: { max_export_batch_size: 3, scheduled_delay_ms: 20 },
      }),
    });
    try {
      assert.equal((await postGraphQL(gateway.url, { query: GET_PRODUCTS })).status, 200);
      await receiver.waitFor((spans) => spans.length === SPANS_PER_REQUEST);
      assert.ok(receiver.requests.length >= 3, `${receiver.requests.length} export requests for ${SPANS_PER_REQUEST} spans`);
      for (const request of receiver.requests) {
        const count = (request.body as any).resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans)).length;
        assert.ok(count >= 1 && count <= 3, `${count} spans in one export request`);
        assert.equal(request.headers['x-collector-key'], 'k-123');
        assert.equal(request.headers['content-encoding'], 'gzip');
        assert.equal(request.headers['content-type'], 'application/json');
      }
    } finally {
      await gateway.stop();
      await receiver.stop();
    }
  });
});
