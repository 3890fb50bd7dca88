import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const PRODUCTS = `${FED}
  type Query { topProducts: [Product!]! }
  type Mutation { rename(upc: ID!, name: String!): Product }
  type Product @key(fields: "upc") { upc: ID! name: String! }`;
const INVENTORY = `${FED}
  type Product @key(fields: "upc") { upc: ID! inStock: Boolean }`;

const products = [
  { upc: 'p1', name: 'Table' },
  { upc: 'p2', name: 'Chair' },
];

describe('gateway over HTTP', () => {
  let productsSubgraph: FixtureSubgraph;
  let inventorySubgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let base: string;

  before(async () => {
    productsSubgraph = await startFixtureSubgraph(PRODUCTS, {
      Query: { topProducts: () => products },
      Mutation: { rename: (_s, args: any) => ({ upc: args.upc, name: args.name }) },
      Product: { __resolveReference: (ref: any) => products.find((p) => p.upc === ref.upc) },
    });
    inventorySubgraph = await startFixtureSubgraph(INVENTORY, {
      Product: { __resolveReference: (ref: any) => ({ upc: ref.upc, inStock: ref.upc === 'p1' }) },
    });
    const sdl = composeForTest([
      { name: 'products', routingUrl: productsSubgraph.url, sdl: PRODUCTS },
      { name: 'inventory', routingUrl: inventorySubgraph.url, sdl: INVENTORY },
    ]);
    gateway = await startTestGateway(sdl, {
      limits: { http_max_request_bytes: 4096, parser_max_tokens: 200 },
      traffic_shaping: { all: { timeout_ms: 300 } },
    });
    base = gateway.url.replace(/\/graphql$/, '');
  });

  after(async () => {
    await gateway.stop();
    await productsSubgraph.stop();
    await inventorySubgraph.stop();
  });

  const query = '{ topProducts { upc name inStock } }';
  const expected = {
    topProducts: [
      { upc: 'p1', name: 'Table', inStock: true },
      { upc: 'p2', name: 'Chair', inStock: false },
    ],
  };

  test('POST JSON: data merged from two subgraphs, application/json by default', async () => {
    const result = await postGraphQL(gateway.url, { query });
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { data: expected });
    assert.match(result.headers.get('content-type') ?? '', /^application\/json/);
  });

  test('POST with accept application/graphql-response+json gets that media type', async () => {
    const result = await postGraphQL(gateway.url, { query }, { accept: 'application/graphql-response+json' });
    assert.equal(result.status, 200);
    assert.match(result.headers.get('content-type') ?? '', /^application\/graphql-response\+json/);
    assert.deepEqual(result.body, { data: expected });
  });

  test('GET runs queries (with a CSRF-safe header) and refuses mutations', async () => {
    const url = `${gateway.url}?query=${encodeURIComponent(query)}`;
    const ok = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { data: expected });

    const mutation = `${gateway.url}?query=${encodeURIComponent('mutation { rename(upc: "p1", name: "x") { name } }')}`;
    const refused = await fetch(mutation, { headers: { 'apollo-require-preflight': 'true' } });
    assert.equal(refused.status, 405);
  });

  test('GET without a CSRF-safe header is refused (CSRF prevention on by default)', async () => {
    const response = await fetch(`${gateway.url}?query=${encodeURIComponent(query)}`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /CSRF/);
  });

  test('request IDs: a safe client ID is kept, echoed and sent to subgraphs; an unsafe one is replaced', async () => {
    const before = productsSubgraph.received.length;
    const kept = await postGraphQL(gateway.url, { query }, { 'x-request-id': 'abc-123' });
    assert.equal(kept.headers.get('x-request-id'), 'abc-123');
    const forwarded = productsSubgraph.received.slice(before).map((h) => h['x-request-id']);
    assert.ok(forwarded.length > 0 && forwarded.every((id) => id === 'abc-123'));

    const replaced = await postGraphQL(gateway.url, { query }, { 'x-request-id': 'bad id\twith spaces' });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  test('client headers are not forwarded to subgraphs', async () => {
    const before = productsSubgraph.received.length;
    await postGraphQL(gateway.url, { query }, { authorization: 'Bearer secret', cookie: 'session=1', 'x-tollgate-sub': 'forged' });
    for (const headers of productsSubgraph.received.slice(before)) {
      assert.equal(headers.authorization, undefined);
      assert.equal(headers.cookie, undefined);
      assert.equal(headers['x-tollgate-sub'], undefined);
    }
  });

  describe('bad input gets a GraphQL error with a stable code', () => {
    test('invalid JSON → 400 BAD_REQUEST', async () => {
      const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
      assert.equal(response.status, 400);
      const body = (await response.json()) as any;
      assert.equal(body.errors[0].extensions.code, 'BAD_REQUEST');
    });

    test('PUT → 405 METHOD_NOT_ALLOWED with Allow', async () => {
      const response = await fetch(gateway.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get('allow'), 'GET, POST');
      assert.equal(((await response.json()) as any).errors[0].extensions.code, 'METHOD_NOT_ALLOWED');
    });

    test('text/plain POST → 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: query });
      assert.equal(response.status, 415);
      assert.equal(((await response.json()) as any).errors[0].extensions.code, 'UNSUPPORTED_MEDIA_TYPE');
    });

    test('a body over http_max_request_bytes → 413 PAYLOAD_TOO_LARGE', async () => {
      const result = await postGraphQL(gateway.url, { query: `{ topProducts { upc } } # ${'x'.repeat(5000)}` });
      assert.equal(result.status, 413);
      assert.equal(result.body.errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
    });

    test('a body over the limit without content-length (chunked) → 413', async () => {
      const chunks = [Buffer.from('{"query":"'), Buffer.from('a'.repeat(5000)), Buffer.from('"}')];
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(chunk);
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      assert.equal(response.status, 413);
    });

    test('a 10 MB body sent with fetch reads 413 every time (the rest of the body is drained first)', async () => {
      const body = Buffer.alloc(10 * 1024 * 1024, 'a');
      for (let i = 0; i < 20; i++) {
        const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        assert.equal(response.status, 413, `attempt ${i + 1}`);
        assert.equal(((await response.json()) as any).errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
      }
    });

    test('a 10 MB body is read to its end before the 413, so a client still sending is not reset', async () => {
      const { port } = new URL(gateway.url);
      for (let i = 0; i < 5; i++) {
        const socket = connect(Number(port), '127.0.0.1');
        const body = Buffer.alloc(10 * 1024 * 1024, 'a');
        let written = false;
        let answeredEarly = false;
        const answer = new Promise<string>((resolve, reject) => {
          let text = '';
          socket.on('data', (chunk) => {
            if (!written) answeredEarly = true;
            text += chunk.toString('latin1');
          });
          socket.on('end', () => resolve(text));
          socket.on('error', reject);
        });
        socket.write(`POST /graphql HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`);
        socket.end(body, () => (written = true));
        const text = await answer;
        assert.match(text, /^HTTP\/1\.1 413 /, `attempt ${i + 1}`);
        // The gateway read the body to its end before answering (so closing resets nothing).
        assert.equal(answeredEarly, false, 'the 413 came only after the whole body was sent');
        assert.match(text, /PAYLOAD_TOO_LARGE/);
      }
    });

    test('a 10 MB chunked body sent with fetch reads 413 too', async () => {
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      for (let i = 0; i < 5; i++) {
        let sent = 0;
        const response = await fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: new ReadableStream({
            pull(controller) {
              if (sent++ < 10) controller.enqueue(chunk);
              else controller.close();
            },
          }),
          duplex: 'half',
        } as RequestInit);
        assert.equal(response.status, 413, `attempt ${i + 1}`);
        await response.text();
      }
    });

    // GraphQL over HTTP: request errors (parse, validation, variable coercion) are 4xx for
    // application/graphql-response+json and 200 for application/json (the default without accept).
    const requestErrors: Array<[string, { query: string; variables?: Record<string, unknown> }, string]> = [
      ['syntax error', { query: '{ topProducts { ' }, 'GRAPHQL_PARSE_FAILED'],
      ['unknown field', { query: '{ topProducts { price } }' }, 'GRAPHQL_VALIDATION_FAILED'],
      ['a variable of the wrong type', { query: 'query ($b: Boolean!) { topProducts { upc @include(if: $b) } }', variables: { b: 'yes' } }, 'BAD_USER_INPUT'],
      ['a missing required variable', { query: 'query ($b: Boolean!) { topProducts { upc @include(if: $b) } }' }, 'BAD_USER_INPUT'],
    ];
    const mediaTypes: Array<[string, Record<string, string>, number]> = [
      ['no accept (application/json)', {}, 200],
      ['accept application/json', { accept: 'application/json' }, 200],
      ['accept application/graphql-response+json', { accept: 'application/graphql-response+json' }, 400],
    ];
    for (const [name, request, code] of requestErrors) {
      for (const [accept, headers, status] of mediaTypes) {
        test(`${name}, ${accept} → ${status} ${code}`, async () => {
          const before = productsSubgraph.received.length;
          const result = await postGraphQL(gateway.url, request, headers);
          assert.equal(result.status, status);
          assert.equal(result.body.errors[0].extensions.code, code);
          assert.equal(result.body.data, undefined);
          assert.equal(productsSubgraph.received.length, before, 'no subgraph is called');
        });
      }
    }

    test('errors of the HTTP request itself stay 400 under application/json', async () => {
      const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{"query": ' });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as any).errors[0].extensions.code, 'BAD_REQUEST');
    });

    test('more tokens than parser_max_tokens → GRAPHQL_PARSE_FAILED (400 for graphql-response+json), parsing stops', async () => {
      const result = await postGraphQL(gateway.url, { query: `{ ${'topProducts { upc } '.repeat(60)} }` }, { accept: 'application/graphql-response+json' });
      assert.equal(result.status, 400);
      assert.equal(result.body.errors[0].extensions.code, 'GRAPHQL_PARSE_FAILED');
      assert.match(result.body.errors[0].message, /more that 200 tokens/);
    });

    test('an unknown operationName → 400 OPERATION_RESOLUTION_FAILURE, not a 500 (under either media type)', async () => {
      const unknown = await postGraphQL(gateway.url, { query: 'query A { topProducts { upc } }', operationName: 'B' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.errors[0].extensions.code, 'OPERATION_RESOLUTION_FAILURE');
      assert.equal(unknown.body.errors[0].message, 'Unknown operation named "B".');
      const ambiguous = await postGraphQL(gateway.url, { query: 'query A { topProducts { upc } } query B { topProducts { name } }' });
      assert.equal(ambiguous.status, 400);
      assert.equal(ambiguous.body.errors[0].extensions.code, 'OPERATION_RESOLUTION_FAILURE');
    });

    test('missing query → 400 BAD_REQUEST', async () => {
      const result = await postGraphQL(gateway.url, { variables: {} } as never);
      assert.equal(result.status, 400);
      assert.equal(result.body.errors[0].extensions.code, 'BAD_REQUEST');
    });

    test('no stack traces reach the client', async () => {
      const result = await postGraphQL(gateway.url, { query: '{ topProducts { ' });
      assert.equal(JSON.stringify(result.body).includes('stacktrace'), false);
    });
  });

  test('/health, /ready and unknown paths', async () => {
    assert.equal((await fetch(`${base}/health`)).status, 200);
    const ready = await fetch(`${base}/ready`);
    assert.equal(ready.status, 200);
    const readyBody = (await ready.json()) as { status: string; supergraph: { hash: string; loaded_at: string } };
    assert.equal(readyBody.status, 'ready');
    assert.match(readyBody.supergraph.hash, /^[0-9a-f]{16}$/);
    assert.ok(!Number.isNaN(Date.parse(readyBody.supergraph.loaded_at)));
    const missing = await fetch(`${base}/nope`, { headers: { 'x-request-id': 'probe-1' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-request-id'), 'probe-1');
    assert.match(ready.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(((await missing.json()) as any).errors[0].extensions.code, 'NOT_FOUND');
  });

  describe('failing subgraphs', () => {
    test('a hanging subgraph → SUBGRAPH_TIMEOUT, the other subgraph still answers', async (t) => {
      inventorySubgraph.behave({ kind: 'hang' });
      t.after(() => inventorySubgraph.behave({ kind: 'normal' }));
      const result = await postGraphQL(gateway.url, { query });
      assert.equal(result.status, 200);
      assert.equal(result.body.errors[0].extensions.code, 'SUBGRAPH_TIMEOUT');
      assert.equal(result.body.errors[0].extensions.serviceName, 'inventory');
      assert.deepEqual(result.body.data, {
        topProducts: [
          { upc: 'p1', name: 'Table', inStock: null },
          { upc: 'p2', name: 'Chair', inStock: null },
        ],
      });
    });

    test('a subgraph answering 502 text → SUBGRAPH_HTTP_ERROR', async (t) => {
      inventorySubgraph.behave({ kind: 'status', status: 502, body: 'bad gateway' });
      t.after(() => inventorySubgraph.behave({ kind: 'normal' }));
      const result = await postGraphQL(gateway.url, { query });
      assert.equal(result.body.errors[0].extensions.code, 'SUBGRAPH_HTTP_ERROR');
      assert.equal(result.body.errors[0].extensions.status, 502);
    });

    test('a subgraph answering invalid JSON → SUBGRAPH_BAD_RESPONSE', async (t) => {
      inventorySubgraph.behave({ kind: 'status', status: 200, body: '{not json', contentType: 'application/json' });
      t.after(() => inventorySubgraph.behave({ kind: 'normal' }));
      const result = await postGraphQL(gateway.url, { query });
      assert.equal(result.body.errors[0].extensions.code, 'SUBGRAPH_BAD_RESPONSE');
    });

    test('a subgraph that is down → SUBGRAPH_UNAVAILABLE with no host or port in the message', async () => {
      const lonely = await startFixtureSubgraph(INVENTORY, {});
      const sdl = composeForTest([
        { name: 'products', routingUrl: productsSubgraph.url, sdl: PRODUCTS },
        { name: 'inventory', routingUrl: lonely.url, sdl: INVENTORY },
      ]);
      await lonely.stop();
      const local = await startTestGateway(sdl);
      try {
        const result = await postGraphQL(local.url, { query });
        assert.equal(result.status, 200);
        const error = result.body.errors[0];
        assert.equal(error.extensions.code, 'SUBGRAPH_UNAVAILABLE');
        assert.equal(error.message, 'Subgraph "inventory" is unavailable');
        assert.equal(JSON.stringify(result.body).includes('127.0.0.1'), false);
      } finally {
        await local.stop();
      }
    });
  });
});
