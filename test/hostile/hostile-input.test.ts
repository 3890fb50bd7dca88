// Issue 10's table of hostile requests against a gateway with its DEFAULT settings (only an API key
// for the failed-credential case): each gets the expected status and code, no subgraph is called
// for a refused one, and the gateway is healthy after each. Responses are asked for as
// application/graphql-response+json, whose statuses stay 4xx for GraphQL-level refusals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { RunningGateway } from '../../gateway/src/gateway.ts';
import { apiKeyDigest } from '../../gateway/src/auth/api-keys.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../support/gateway.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  enum Color { RED GREEN }
  input Filter { alpha: Int secretField: String }
  type Query { node: Node hello: String paint(color: Color, filter: Filter): String }
  type Mutation { touch: String }
  type Node { id: ID! name: String child: Node }`;

const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const API_KEY = 'tg_hostile_client_0123456789abcdef';

interface Answer {
  status: number;
  code: string | undefined;
  body: string;
}

/** Sends bytes on a raw socket and reads the whole answer (for shapes fetch will not send). */
function raw(port: number, bytes: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error('no answer within 15 s')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      resolve({ status, code: codeOf(body), body });
    });
    socket.end(Buffer.from(bytes, 'latin1'));
  });
}

function codeOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { errors?: Array<{ extensions?: { code?: string } }> }).errors?.[0]?.extensions?.code;
  } catch {
    return undefined;
  }
}

async function post(url: string, body: string | ReadableStream, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE, ...headers },
    body,
    ...(typeof body === 'string' ? {} : { duplex: 'half' }),
    signal: AbortSignal.timeout(20_000),
  } as RequestInit);
  const text = await response.text();
  return { status: response.status, code: codeOf(text), body: text };
}

/** A body of `size` bytes sent in 64 KB chunks without a content-length: the gateway must stop reading. */
function streamedBody(size: number): ReadableStream {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"query":"'));
      if (sent >= size) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
}

const nest = (depth: number) => `{ node { ${'child { '.repeat(depth)}id${' }'.repeat(depth)} } }`;

describe('hostile input against default settings', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, {
      Query: { hello: () => 'world', node: () => ({ id: 'n1', name: 'one' }) },
      Mutation: { touch: () => 'touched' },
    });
    const sdl = composeForTest([{ name: 'nodes', routingUrl: subgraph.url, sdl: SDL }]);
    gateway = await startTestGateway(sdl, {
      authentication: { api_keys: { keys: [{ client_id: 'hostile', sha256: apiKeyDigest(API_KEY) }] } },
      server: { introspection: false },
    });
  });

  after(async () => {
    await gateway?.stop();
    await subgraph?.stop();
  });

  const query = (text: string, extra: Record<string, unknown> = {}) => JSON.stringify({ query: text, ...extra });
  const cases: Array<{ name: string; send: () => Promise<Answer>; status: number; code: string; check?: (answer: Answer) => void }> = [
    { name: 'alias bomb (2,000 aliases)', send: () => post(gateway.url, query(`{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: hello`).join(' ')} }`)), status: 400, code: 'MAX_ALIASES_LIMIT' },
    { name: 'depth 500', send: () => post(gateway.url, query(nest(500))), status: 400, code: 'MAX_DEPTH_LIMIT' },
    { name: 'fragment cycle', send: () => post(gateway.url, query('fragment A on Node { child { ...B } } fragment B on Node { child { ...A } } { node { ...A } }')), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: '100k tokens', send: () => post(gateway.url, query(`{ ${'hello '.repeat(100_000)} }`)), status: 400, code: 'GRAPHQL_PARSE_FAILED' },
    { name: '10 MB streamed body', send: () => post(gateway.url, streamedBody(10 * 1024 * 1024)), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: '50 MB streamed body', send: () => post(gateway.url, streamedBody(50 * 1024 * 1024)), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'invalid UTF-8 in the query', send: () => raw(gateway.port, rawPost(gateway, Buffer.concat([Buffer.from('{"query":"{ hel'), Buffer.from([0xff, 0xfe]), Buffer.from('lo }"}')]).toString('latin1'))), status: 400, code: 'GRAPHQL_PARSE_FAILED' },
    { name: 'a batch (batching is off)', send: () => post(gateway.url, JSON.stringify([{ query: '{ hello }' }, { query: '{ hello }' }])), status: 400, code: 'BAD_REQUEST' },
    { name: 'a mutation over GET', send: () => get(gateway.url, 'mutation { touch }', { 'apollo-require-preflight': '1' }), status: 405, code: 'BAD_REQUEST' },
    { name: 'CSRF: GET without a preflight header', send: () => get(gateway.url, '{ hello }', {}), status: 400, code: 'BAD_REQUEST' },
    { name: 'CSRF: text/plain POST', send: () => post(gateway.url, query('{ hello }'), { 'content-type': 'text/plain' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'CSRF: form POST', send: () => post(gateway.url, 'query=%7B+hello+%7D', { 'content-type': 'application/x-www-form-urlencoded' }), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
    { name: 'smuggling: content-length and transfer-encoding', send: () => raw(gateway.port, `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 17\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\n\r\n`), status: 400, code: 'BAD_REQUEST' },
    { name: 'smuggling: two content-lengths', send: () => raw(gateway.port, `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 19\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"query":"{hello}"}`), status: 400, code: 'BAD_REQUEST' },
    { name: 'a 1 MB operationName', send: () => post(gateway.url, query('query A { hello }', { operationName: 'x'.repeat(1_000_000) })), status: 400, code: 'BAD_REQUEST', check: (a) => assert.ok(a.body.length < 2_000, 'not echoed back') },
    { name: '300 aliased __schema', send: () => post(gateway.url, query(`{ ${Array.from({ length: 300 }, (_, i) => `s${i}: __schema { queryType { name } }`).join(' ')} }`)), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'variables nested 100k deep', send: () => post(gateway.url, `{"query":"{ hello }","variables":{"v":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`), status: 400, code: 'BAD_REQUEST' },
    { name: 'no suggestions with introspection off', send: () => post(gateway.url, query('{ helo }')), status: 400, code: 'GRAPHQL_VALIDATION_FAILED', check: (a) => assert.doesNotMatch(a.body, /Did you mean/) },
    { name: 'no suggestions in variable errors with introspection off (enum)', send: () => post(gateway.url, query('query ($c: Color) { paint(color: $c) }', { variables: { c: 'REDD' } })), status: 400, code: 'BAD_USER_INPUT', check: (a) => assert.doesNotMatch(a.body, /Did you mean|RED"/) },
    { name: 'no suggestions in variable errors with introspection off (input field)', send: () => post(gateway.url, query('query ($f: Filter) { paint(filter: $f) }', { variables: { f: { secretFiel: 'x' } } })), status: 400, code: 'BAD_USER_INPUT', check: (a) => assert.doesNotMatch(a.body, /Did you mean|secretField/) },
    { name: 'a mutation on a schema without that root (subscription)', send: () => post(gateway.url, query('subscription { hello }')), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'too many header lines', send: () => raw(gateway.port, `POST /graphql HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `x-h${i}: 1\r\n`).join('')}Content-Type: application/json\r\nContent-Length: 19\r\nConnection: close\r\n\r\n{"query":"{hello}"}`), status: 431, code: 'REQUEST_HEADER_FIELDS_TOO_LARGE' },
    { name: 'headers over Node\'s size limit', send: () => raw(gateway.port, `GET /graphql HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`), status: 431, code: 'REQUEST_HEADER_FIELDS_TOO_LARGE' },
  ];

  for (const hostile of cases) {
    test(`${hostile.name} → ${hostile.status} ${hostile.code}, no subgraph called, gateway healthy`, async () => {
      const calls = subgraph.received.length;
      const answer = await hostile.send();
      assert.equal(answer.status, hostile.status, answer.body.slice(0, 300));
      assert.equal(answer.code, hostile.code, answer.body.slice(0, 300));
      hostile.check?.(answer);
      assert.equal(subgraph.received.length, calls, 'no subgraph call for a refused request');
      await assertHealthy(gateway);
    });
  }

  test('guessing API keys: failed credentials from one IP are limited (429) before any verification', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 60; i++) statuses.push((await post(gateway.url, query('{ hello }'), { 'x-api-key': `tg_guess_${i}_0123456789abcdef` })).status);
    assert.ok(statuses.includes(401), 'the first guesses are answered 401');
    const limited = await post(gateway.url, query('{ hello }'), { 'x-api-key': 'tg_guess_last_0123456789abcdef' });
    assert.equal(limited.status, 429, `after 60 failures: ${JSON.stringify(statuses)}`);
    assert.equal(limited.code, 'RATE_LIMITED');
    await assertHealthy(gateway);
  });
});

function get(url: string, text: string, headers: Record<string, string>): Promise<Answer> {
  return fetch(`${url}?query=${encodeURIComponent(text)}`, { headers: { accept: GRAPHQL_RESPONSE, ...headers }, signal: AbortSignal.timeout(20_000) }).then(
    async (response) => {
      const body = await response.text();
      return { status: response.status, code: codeOf(body), body };
    },
  );
}

function rawPost(gateway: RunningGateway, body: string): string {
  const bytes = Buffer.byteLength(body, 'latin1');
  return `POST ${new URL(gateway.url).pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAccept: ${GRAPHQL_RESPONSE}\r\nContent-Length: ${bytes}\r\nConnection: close\r\n\r\n${body}`;
}

async function assertHealthy(gateway: RunningGateway): Promise<void> {
  assert.equal((await fetch(gateway.url.replace(/\/graphql$/, '/health'))).status, 200);
  const ok = await postGraphQL(gateway.url, { query: '{ hello }' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body, { data: { hello: 'world' } });
}
