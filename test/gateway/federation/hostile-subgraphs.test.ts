// Issue 10, hostile subgraphs: a subgraph that answers too much (50 MB, or a body that never
// ends), leaks internals in its errors (credentials, stack traces, a 418 status), or returns
// 200,000 errors; and a client whose 700 aliases would plan 1,401 subgraph fetches. Real subgraph
// servers on 127.0.0.1, one gateway per executor, the same answers from both.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { defaultConfig } from '../../../gateway/src/config/load.ts';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import { startGateway, type RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL } from '../../support/gateway.ts';
import { stopServer } from '../../support/servers.ts';

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@external", "@requires"])';
const PRODUCTS = `${FED}
  type Query { topProducts: [Product!]! }
  type Product @key(fields: "upc") { upc: ID! name: String! }`;
const INVENTORY = `${FED}
  type Product @key(fields: "upc") { upc: ID! weight: Int }`;
const SHIPPING = `${FED}
  type Product @key(fields: "upc") { upc: ID! weight: Int @external shippingEstimate: Int @requires(fields: "weight") }`;
const REVIEWS = `${FED}
  type Query { latestReviews: [Review] }
  type Review { id: ID! body: String }`;

const products = [
  { upc: 'p1', name: 'Table' },
  { upc: 'p2', name: 'Chair' },
];
const weights: Record<string, number> = { p1: 10, p2: 3 };
const topProducts = products;
const QUERY = '{ topProducts { upc name } latestReviews { id body } }';

const MB = 1024 * 1024;
const LEAKY_ERROR = {
  message: 'connect failed: postgres://admin:hunter2@db-internal.corp:5432/reviews',
  path: ['latestReviews'],
  extensions: {
    code: 'INTERNAL_DB_ERROR',
    stacktrace: ['Error: connect failed', '    at Pool.connect (/srv/reviews/node_modules/pg/lib/pool.js:45:11)'],
    exception: { host: 'db-internal.corp', port: 5432 },
    http: { status: 418 },
    retryable: true,
  },
};

type Behaviour = 'leak' | 'big' | 'endless' | 'many-errors' | 'odd-code';

/** The reviews subgraph, hostile on demand; counts requests and connections cut before the end. */
interface HostileSubgraph {
  url: string;
  behaviour: Behaviour;
  requests: number;
  /** Responses whose connection closed before the body was finished. */
  aborted: number;
  /** Resolves on the next aborted response. */
  nextAbort(): Promise<void>;
  stop(): Promise<void>;
}

async function startHostileSubgraph(): Promise<HostileSubgraph> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let abortWaiters: Array<() => void> = [];
  const state = {
    url: '',
    behaviour: 'leak' as Behaviour,
    requests: 0,
    aborted: 0,
    nextAbort: () => new Promise<void>((resolve) => abortWaiters.push(resolve)),
    stop: async () => stopServer(server),
  };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    for await (const _ of req);
    res.on('close', () => {
      if (!res.writableFinished) {
        state.aborted++;
        const waiters = abortWaiters;
        abortWaiters = [];
        for (const resolve of waiters) resolve();
      }
    });
    res.on('error', () => {});
    switch (state.behaviour) {
      case 'leak':
        return json(res, { data: { latestReviews: null }, errors: [LEAKY_ERROR] });
      case 'odd-code':
        return json(res, { data: { latestReviews: null }, errors: [{ message: 'x', path: ['latestReviews'], extensions: { code: 'db down at 10.0.0.7' } }, 'not an error'] });
      case 'many-errors': {
        const one = JSON.stringify({ message: 'boom', path: ['latestReviews'] });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"data":{"latestReviews":null},"errors":[${new Array(200_000).fill(one).join(',')}]}`);
        return;
      }
      case 'big':
      case 'endless': {
        // A valid-looking JSON start, then 50 MB (or no end) of string, streamed with backpressure.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":{"latestReviews":[{"id":"r1","body":"');
        const total = state.behaviour === 'big' ? 50 * MB : Infinity;
        for (let sent = 0; sent < total && !res.destroyed; sent += chunk.length) {
          if (!res.write(chunk)) await drainedOrClosed(res);
        }
        if (!res.destroyed) res.end('"}]}}');
        return;
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return state;
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A gateway with its log lines captured (pino to an in-memory stream). */
interface LoggedGateway extends RunningGateway {
  logs: Array<Record<string, any>>;
}

async function startLoggedGateway(sdl: string, overrides: Omit<GatewayConfigInput, 'supergraph'>): Promise<LoggedGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-hostile-'));
  const file = join(dir, 'supergraph.graphql');
  await writeFile(file, sdl);
  const logs: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(line, _encoding, done) {
      logs.push(JSON.parse(String(line)));
      done();
    },
  });
  const config = defaultConfig({ ...overrides, server: { listen: '127.0.0.1:0' }, supergraph: { file } });
  const gateway = await startGateway(config, { logger: pino({ level: 'warn' }, stream) });
  return {
    ...gateway,
    logs,
    async stop() {
      await gateway.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

for (const executor of ['tollgate', 'apollo'] as const) {
  describe(`hostile subgraphs (executor: ${executor})`, () => {
    let productsSubgraph: FixtureSubgraph;
    let shippingSubgraph: FixtureSubgraph;
    let inventorySubgraph: FixtureSubgraph;
    let reviews: HostileSubgraph;
    /** Defaults everywhere except `allow_extensions_keys: [retryable]` and a raised alias limit. */
    let masked: LoggedGateway;
    /** `traffic_shaping.subgraphs.reviews.include_subgraph_errors: true`, a 1 MB response limit. */
    let optedIn: LoggedGateway;

    before(async () => {
      productsSubgraph = await startFixtureSubgraph(PRODUCTS, {
        Query: { topProducts: () => products },
        Product: { __resolveReference: (ref: any) => products.find((p) => p.upc === ref.upc) },
      });
      inventorySubgraph = await startFixtureSubgraph(INVENTORY, {
        Product: { __resolveReference: (ref: any) => ({ upc: ref.upc, weight: weights[ref.upc] }) },
      });
      shippingSubgraph = await startFixtureSubgraph(SHIPPING, {
        Product: { __resolveReference: (ref: any) => ({ ...ref, shippingEstimate: ref.weight > 5 ? 0 : 600 }) },
      });
      reviews = await startHostileSubgraph();
      const sdl = composeForTest([
        { name: 'products', routingUrl: productsSubgraph.url, sdl: PRODUCTS },
        { name: 'shipping', routingUrl: shippingSubgraph.url, sdl: SHIPPING },
        { name: 'inventory', routingUrl: inventorySubgraph.url, sdl: INVENTORY },
        { name: 'reviews', routingUrl: reviews.url, sdl: REVIEWS },
      ]);
      masked = await startLoggedGateway(sdl, {
        executor,
        // Stage 4's alias and root-field limits (default 30 and 20) would refuse the 700 aliases
        // before planning: raised, the fetch budget is what stops them.
        limits: { max_aliases: 1000, max_root_fields: 1000 },
        // Five concurrent identical queries must be five fetches (five 50 MB answers), not one shared.
        traffic_shaping: { all: { timeout_ms: 10_000, allow_extensions_keys: ['retryable', 'http'], deduplicate_query: false } },
      });
      optedIn = await startLoggedGateway(sdl, {
        executor,
        traffic_shaping: { all: { timeout_ms: 10_000 }, subgraphs: { reviews: { include_subgraph_errors: true, max_response_bytes: MB } } },
      });
    });

    after(async () => {
      await masked?.stop();
      await optedIn?.stop();
      await productsSubgraph?.stop();
      await shippingSubgraph?.stop();
      await inventorySubgraph?.stop();
      await reviews?.stop();
    });

    test('leaky subgraph error → generic message, no stacktrace/exception, allowlisted key kept, status 200', async () => {
      reviews.behaviour = 'leak';
      const result = await postGraphQL(masked.url, { query: QUERY }, { 'x-request-id': `leak-${executor}` });
      assert.equal(result.status, 200, 'extensions.http.status from a subgraph never sets the client status');
      assert.deepEqual(result.body, {
        data: { topProducts, latestReviews: null },
        errors: [
          {
            message: 'Subgraph "reviews" returned an error',
            path: ['latestReviews'],
            extensions: { code: 'INTERNAL_DB_ERROR', retryable: true, serviceName: 'reviews' },
          },
        ],
      });
      const text = JSON.stringify(result.body);
      for (const secret of ['postgres', 'hunter2', 'db-internal', '/srv/', 'stacktrace', 'exception', '418']) {
        assert.ok(!text.includes(secret), `${secret} must not reach the client`);
      }
      assert.equal(result.headers.get('x-request-id'), `leak-${executor}`, 'the request id ties the client to the log line');
    });

    test('the unmasked error is logged at warn with the request id and serviceName', async () => {
      reviews.behaviour = 'leak';
      const requestId = `log-${executor}`;
      await postGraphQL(masked.url, { query: QUERY }, { 'x-request-id': requestId });
      const line = masked.logs.find((entry) => entry['requestId'] === requestId && entry['msg'] === 'subgraph returned errors');
      assert.ok(line, 'a log line for the subgraph errors');
      assert.equal(line['level'], 40, 'warn');
      assert.equal(line['serviceName'], 'reviews');
      assert.equal(line['errorCount'], 1);
      assert.deepEqual(line['errors'][0], LEAKY_ERROR);
    });

    test('include_subgraph_errors for the subgraph passes its message (extensions still filtered)', async () => {
      reviews.behaviour = 'leak';
      const result = await postGraphQL(optedIn.url, { query: QUERY });
      assert.equal(result.status, 200);
      assert.deepEqual(result.body.errors, [
        { message: LEAKY_ERROR.message, path: ['latestReviews'], extensions: { code: 'INTERNAL_DB_ERROR', serviceName: 'reviews' } },
      ]);
    });

    test('a code that is not a plain identifier, and an error that is not an object → DOWNSTREAM_SERVICE_ERROR', async () => {
      reviews.behaviour = 'odd-code';
      const result = await postGraphQL(masked.url, { query: QUERY });
      assert.equal(result.status, 200);
      assert.deepEqual(result.body.errors, [
        { message: 'Subgraph "reviews" returned an error', path: ['latestReviews'], extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'reviews' } },
        { message: 'Subgraph "reviews" returned an error', extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'reviews' } },
      ]);
    });

    test('200,000 errors → a normal partial response with 100 kept and one SUBGRAPH_ERRORS_TRUNCATED, no 500', async () => {
      reviews.behaviour = 'many-errors';
      const result = await postGraphQL(masked.url, { query: QUERY }, { 'x-request-id': `many-${executor}` });
      assert.equal(result.status, 200);
      assert.deepEqual(result.body.data, { topProducts, latestReviews: null });
      const errors: any[] = result.body.errors;
      assert.equal(errors.length, 101);
      assert.ok(errors.slice(0, 100).every((error) => error.extensions.code === 'DOWNSTREAM_SERVICE_ERROR' && error.path[0] === 'latestReviews'));
      assert.deepEqual(errors[100], {
        message: 'Subgraph "reviews" returned 200000 errors; the first 100 are kept',
        extensions: { code: 'SUBGRAPH_ERRORS_TRUNCATED', droppedErrors: 199_900, serviceName: 'reviews' },
      });
      const line = masked.logs.find((entry) => entry['requestId'] === `many-${executor}`);
      assert.equal(line?.['errorCount'], 200_000);
      assert.equal(line?.['errors'].length, 100, 'the log keeps the first 100 too');
    });

    test('a 50 MB answer → SUBGRAPH_RESPONSE_TOO_LARGE partial result, connection cut, memory back near baseline', async (t) => {
      reviews.behaviour = 'big';
      const once = async () => {
        const result = await postGraphQL(masked.url, { query: QUERY });
        assert.equal(result.status, 200);
        assert.deepEqual(result.body.data, { topProducts, latestReviews: null });
        assert.deepEqual(result.body.errors, [
          {
            message: 'Subgraph "reviews" sent a response larger than 10000000 bytes',
            extensions: { code: 'SUBGRAPH_RESPONSE_TOO_LARGE', serviceName: 'reviews' },
          },
        ]);
      };
      const abortedBefore = reviews.aborted;
      await once(); // warm-up: code paths, pools, JIT
      gc();
      const baseline = process.memoryUsage().rss;
      await Promise.all([once(), once(), once(), once(), once()]);
      gc();
      const grown = process.memoryUsage().rss - baseline;
      // Reading the five answers whole took 825 MB; cut off at 10 MB each, far less is ever held.
      t.diagnostic(`RSS ${Math.round(baseline / MB)} MB before five concurrent 50 MB answers, ${Math.round((baseline + grown) / MB)} MB after${'gc' in globalThis ? ' (after gc)' : ''}`);
      assert.ok(grown < 200 * MB, `RSS grew by ${Math.round(grown / MB)} MB`);
      while (reviews.aborted < abortedBefore + 6) await reviews.nextAbort();
    });

    test('an endless body → SUBGRAPH_RESPONSE_TOO_LARGE within the timeout, the connection aborted', async () => {
      reviews.behaviour = 'endless';
      const aborted = reviews.nextAbort();
      const result = await postGraphQL(optedIn.url, { query: QUERY });
      assert.equal(result.status, 200);
      assert.deepEqual(result.body.data, { topProducts, latestReviews: null });
      assert.equal(result.body.errors.length, 1);
      assert.equal(result.body.errors[0].extensions.code, 'SUBGRAPH_RESPONSE_TOO_LARGE');
      assert.equal(result.body.errors[0].message, `Subgraph "reviews" sent a response larger than ${MB} bytes`);
      await aborted; // the subgraph saw its connection closed mid-body
    });

    test('700 aliases of an entity field with @requires (1,401 fetches) → 400 TOO_MANY_SUBGRAPH_FETCHES, no subgraph called', async () => {
      // Each alias is its own path: one inventory fetch for `weight`, then one shipping fetch.
      const query = `{ ${Array.from({ length: 700 }, (_, i) => `t${i}: topProducts { shippingEstimate }`).join(' ')} }`;
      const subgraphCalls = () => [productsSubgraph, inventorySubgraph, shippingSubgraph].map((s) => s.received.length).concat(reviews.requests);
      const before = subgraphCalls();
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await postGraphQL(masked.url, { query });
        assert.equal(result.status, 400, attempt === 0 ? 'refused' : 'refused from the cached plan as well');
        assert.deepEqual(result.body, {
          errors: [
            {
              message: 'The query plan needs 1401 subgraph fetches, more than the limit of 100',
              extensions: { code: 'TOO_MANY_SUBGRAPH_FETCHES', fetches: 1401, max: 100 },
            },
          ],
        });
      }
      assert.deepEqual(subgraphCalls(), before, 'nothing fetched');
      // A plan within the budget runs: products, inventory (weight), shipping.
      const ok = await postGraphQL(masked.url, { query: '{ topProducts { upc a: shippingEstimate b: shippingEstimate } }' });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body, {
        data: {
          topProducts: [
            { upc: 'p1', a: 0, b: 0 },
            { upc: 'p2', a: 600, b: 600 },
          ],
        },
      });
    });
  });
}
