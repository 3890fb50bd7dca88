// What the listener answers itself when Node's parser gives up (oversized headers, too many header
// lines, malformed HTTP, a malformed chunked body, a slow-loris client), in the gateway's format
// (GraphQL error body, request id), and how client aborts are logged: raw sockets, real gateway.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { rawExchange, type RawAnswer } from '../../support/raw-http.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, startLoggedGateway, type LoggedGateway } from '../../support/gateway.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello: String }`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function assertGatewayError(answer: RawAnswer, status: number, code: string, requestId: RegExp = UUID): void {
  assert.equal(answer.status, status, JSON.stringify(answer));
  assert.match(answer.headers['content-type'] ?? '', /^application\/json/);
  assert.match(answer.headers['x-request-id'] ?? '', requestId, 'a request id, as on every answer');
  assert.equal(answer.body.errors[0].extensions.code, code);
  assert.equal(typeof answer.body.errors[0].message, 'string');
}

describe('the listener\'s own answers and the logs of broken requests', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let logged: LoggedGateway;
  let logs: Array<Record<string, any>>;

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' } });
    // A 2 s headers bound (`server.headers_timeout_ms`, default 10 s) so the slow loris is cut in seconds.
    logged = await startLoggedGateway(composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]), {
      server: { headers_timeout_ms: 2_000 },
    });
    ({ gateway, logs } = logged);
  });

  after(async () => {
    await logged.stop();
    await subgraph.stop();
  });

  const post = (body: string, extraHeaders = '') =>
    `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}Connection: close\r\n\r\n${body}`;
  const errorLogs = () => logs.filter((line) => line.level >= 50);

  test('headers over Node\'s size limit → 431 REQUEST_HEADER_FIELDS_TOO_LARGE in the gateway\'s format', async () => {
    const answer = await rawExchange(gateway.port, (s) => void s.end(`GET /graphql HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`));
    assertGatewayError(answer, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
  });

  test('more header lines than the gateway reads (within the size limit) → 431, not served with lines dropped', async () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `x-h${i}: 1\r\n`).join('');
    const calls = subgraph.received.length;
    const tooMany = await rawExchange(gateway.port, (s) => void s.end(post('{"query":"{ hello }"}', lines(150))));
    assertGatewayError(tooMany, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
    assert.equal(subgraph.received.length, calls, 'not served');
    // (write, not end: a client that half-closes gets its answer dropped by Node, whatever the headers.)
    const fine = await rawExchange(gateway.port, (s) => void s.write(post('{"query":"{ hello }"}', lines(90))));
    assert.equal(fine.status, 200, JSON.stringify(fine));
    assert.deepEqual(fine.body, { data: { hello: 'world' } });
  });

  test('malformed HTTP → 400 BAD_REQUEST in the gateway\'s format', async () => {
    const answer = await rawExchange(gateway.port, (s) => void s.end('NOT HTTP AT ALL\r\n\r\n'));
    assertGatewayError(answer, 400, 'BAD_REQUEST');
  });

  test('a malformed chunked body → 400 BAD_REQUEST; logged at info as "bad request body", access-logged 400', async () => {
    const before = logs.length;
    const answer = await rawExchange(gateway.port, (s) =>
      void s.end('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nx-request-id: chunky-1\r\n\r\n5\r\n{"que\r\nZZZ\r\n'),
    );
    // The request's own id (the one its log lines carry), not a fresh one (issue 10).
    assertGatewayError(answer, 400, 'BAD_REQUEST', /^chunky-1$/);
    await eventually(() => logs.slice(before).some((line) => line.msg === 'request' && line.requestId === 'chunky-1'));
    const mine = logs.slice(before).filter((line) => line.requestId === 'chunky-1');
    assert.ok(mine.some((line) => line.msg === 'bad request body' && line.level === 30), JSON.stringify(mine));
    assert.equal(mine.find((line) => line.msg === 'request')?.status, 400);
    assert.deepEqual(errorLogs(), []);
  });

  test('a client that aborts mid-body: logged at info as "client aborted", access-logged 499, no error', async () => {
    const before = logs.length;
    await rawExchange(gateway.port, async (s) => {
      s.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nx-request-id: quitter-1\r\n\r\n{"query":');
      await sleep(200);
      s.destroy();
    }).catch(() => undefined);
    await eventually(() => logs.slice(before).some((line) => line.msg === 'request' && line.requestId === 'quitter-1'));
    const mine = logs.slice(before).filter((line) => line.requestId === 'quitter-1');
    assert.ok(mine.some((line) => line.msg === 'client aborted' && line.level === 30), JSON.stringify(mine));
    assert.equal(mine.find((line) => line.msg === 'request')?.status, 499);
    assert.deepEqual(errorLogs(), []);
  });

  test('slow loris: headers trickled one line a second → 408 REQUEST_TIMEOUT and closed by the server, long before the client stops', async () => {
    let stop = false;
    const answer = await rawExchange(gateway.port, async (s) => {
      s.write('POST /graphql HTTP/1.1\r\nHost: x\r\n');
      for (let i = 0; !stop && i < 60 && !s.destroyed; i++) {
        await sleep(1000);
        if (!s.destroyed) s.write(`x-slow-${i}: 1\r\n`);
      }
    });
    stop = true;
    // The client would trickle for 60 s: closing before that is the server's doing.
    assert.ok(answer.closedAfterMs < 30_000, `closed by the server after ${Math.round(answer.closedAfterMs)} ms`);
    assertGatewayError(answer, 408, 'REQUEST_TIMEOUT');
  });
});

async function eventually(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (condition()) return;
    await sleep(20);
  }
  assert.fail('never happened');
}
