// One request id per request, even when the listener answers itself (issue 10): a malformed
// chunked body (400) or a body that never finishes (408) on a request the pipeline is already
// handling gets the id its log lines carry — the client's `x-request-id` when it sent a usable one,
// else the one the pipeline generated — never a fresh one. Raw sockets (node:net), real gateway.
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

async function eventually(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (condition()) return;
    await sleep(20);
  }
  assert.fail('never happened');
}

describe('the listener\'s own answers carry the request\'s logged id', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let logged: LoggedGateway;
  let logs: Array<Record<string, any>>;

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' } });
    // Short slow-loris bounds (`server.request_timeout_ms`) so the 408 comes in seconds, not 30.
    logged = await startLoggedGateway(composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]), {
      server: { headers_timeout_ms: 1_000, request_timeout_ms: 2_000 },
    });
    ({ gateway, logs } = logged);
  });

  after(async () => {
    await logged.stop();
    await subgraph.stop();
  });

  const chunked = (idHeader: string) =>
    `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n${idHeader}\r\n5\r\n{"que\r\nZZZ\r\n`;

  /** The access-log line of the request whose answer this is, found by the answer's id. */
  async function accessLineOf(answer: RawAnswer): Promise<Record<string, any>> {
    const id = answer.headers['x-request-id'];
    assert.ok(id, 'the answer has a request id');
    await eventually(() => logs.some((line) => line.msg === 'request' && line.requestId === id));
    return logs.find((line) => line.msg === 'request' && line.requestId === id)!;
  }

  test('a malformed chunked body with x-request-id: mine-chunk-1 → 400 answered and logged as mine-chunk-1', async () => {
    const before = logs.length;
    const answer = await rawExchange(gateway.port, chunked('x-request-id: mine-chunk-1\r\n'));
    assert.equal(answer.status, 400, JSON.stringify(answer));
    assert.equal(answer.body.errors[0].extensions.code, 'BAD_REQUEST');
    assert.equal(answer.headers['x-request-id'], 'mine-chunk-1');
    assert.equal((await accessLineOf(answer)).status, 400);
    const mine = logs.slice(before).filter((line) => line.requestId !== undefined);
    assert.ok(mine.length >= 2, JSON.stringify(mine));
    assert.ok(mine.every((line) => line.requestId === 'mine-chunk-1'), JSON.stringify(mine));
  });

  test('a malformed chunked body without (or with an unusable) request id → the generated id, the same in the answer and the log', async () => {
    for (const idHeader of ['', 'x-request-id: not allowed!\r\n']) {
      const before = logs.length;
      const answer = await rawExchange(gateway.port, chunked(idHeader));
      assert.equal(answer.status, 400, JSON.stringify(answer));
      assert.match(answer.headers['x-request-id'] ?? '', UUID);
      assert.equal((await accessLineOf(answer)).status, 400);
      const logged = logs.slice(before).filter((line) => line.msg === 'bad request body');
      assert.deepEqual(logged.map((line) => line.requestId), [answer.headers['x-request-id']]);
    }
  });

  test('a body that never finishes → 408 after the request timeout (2 s here), answered and logged as mine-slow-1', async () => {
    const answer = await rawExchange(
      gateway.port,
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nx-request-id: mine-slow-1\r\n\r\n{"query":',
    );
    assert.equal(answer.status, 408, JSON.stringify(answer));
    assert.equal(answer.body.errors[0].extensions.code, 'REQUEST_TIMEOUT');
    assert.match(answer.body.errors[0].message, /headers within 1 s, the whole request within 2 s/, 'the message names the configured bounds');
    assert.equal(answer.headers['x-request-id'], 'mine-slow-1');
    assert.equal((await accessLineOf(answer)).status, 408);
    assert.ok(logs.some((line) => line.msg === 'request timeout' && line.requestId === 'mine-slow-1'), JSON.stringify(logs.slice(-5)));
  });
});
