// Fetch batching end to end: entity fetches that run together go to their subgraph as one request
// (an aliased `_entities` per fetch, or one list for fetches alike), and the client gets exactly
// what it gets unbatched (`batch_entity_fetches: false`) and from @apollo/gateway. Real subgraphs
// on loopback that record what they receive.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse, print, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { ConfigError } from '../../../gateway/src/core/config-errors.ts';
import { defaultConfig } from '../../../gateway/src/config/load.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { SUBGRAPH_NAMES, buildSchema, subgraphSdl } from '../../../bench/subgraphs/schemas.ts';
import { startSubgraphServer } from '../../../bench/subgraphs/server.ts';
import { startMediaStack, type MediaStack } from '../../fixtures/executor/media.ts';
import type { SubgraphRequest, Tamper } from '../../fixtures/executor/subgraph-server.ts';
import { composeForTest, postGraphQL, startLoggedGateway, startTestGateway, type LoggedGateway } from '../../support/gateway.ts';
import { sentRepresentations } from '../../support/representations.ts';
import { stopServer } from '../../support/servers.ts';

/** Items' authors and directors (two fetches to people), under items and under featured. */
const TWO_PATHS = '{ items { id reviews { author { x: name } } } featured { id reviews { author { x: born } } } }';
/** Books' authors and movies' directors from people in parallel, with errors in both. */
const ERRORS_IN_BOTH = '{ items { ... on Book { author { name bio } } ... on Movie { director { name secret } } } }';

const byText = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));
/** Errors of fetches in parallel come in the order their answers did: compared as a set. */
const unordered = (body: any) => (Array.isArray(body?.errors) ? { ...body, errors: [...body.errors].sort(byText) } : body);

describe('fetch batching (media supergraph)', () => {
  let stack: MediaStack;
  let apollo: RunningGateway;
  let tollgate: LoggedGateway;
  let peopleOptedOut: RunningGateway;

  before(async () => {
    stack = await startMediaStack();
    const supergraph = composeForTest(stack.services);
    apollo = await startTestGateway(supergraph, { executor: 'apollo' });
    tollgate = await startLoggedGateway(supergraph, { telemetry: { logging: { level: 'info' } } });
    peopleOptedOut = await startTestGateway(supergraph, { traffic_shaping: { subgraphs: { people: { batch_entity_fetches: false } } } });
  });

  after(async () => {
    await apollo?.stop();
    await tollgate?.stop();
    await peopleOptedOut?.stop();
    await stack?.stop();
  });

  /** The answer and what each subgraph received for it. */
  async function ask(gateway: RunningGateway, query: string) {
    const from = Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.requests.length]));
    const response = await postGraphQL(gateway.url, { query });
    const sent: Record<string, SubgraphRequest[]> = {};
    for (const [name, subgraph] of Object.entries(stack.subgraphs)) sent[name] = subgraph.requests.slice(from[name]);
    return { response, sent };
  }

  async function withTamper<T>(tamper: Tamper, run: () => Promise<T>): Promise<T> {
    stack.subgraphs.people.tamper = tamper;
    try {
      return await run();
    } finally {
      stack.subgraphs.people.tamper = undefined;
    }
  }

  test('parallel entity fetches to one subgraph arrive as one request; the answer is the unbatched one', async () => {
    const batched = await ask(tollgate.gateway, TWO_PATHS);
    const optedOut = await ask(peopleOptedOut, TWO_PATHS);
    const stock = await ask(apollo, TWO_PATHS);
    assert.equal(batched.response.body.errors, undefined);
    assert.deepEqual(batched.response.body, stock.response.body);
    assert.deepEqual(batched.response.body, optedOut.response.body);

    // people: two different operations (x: name, x: born), one aliased _entities each.
    assert.equal(batched.sent['people']!.length, 1);
    const [people] = batched.sent['people']!;
    assert.match(people!.query, /^query\(\$r0:\[_Any!\]!\$r1:\[_Any!\]!\)\{_0:_entities\(representations:\$r0\)\{\.\.\.on Person\{x:name\}\}_1:_entities\(representations:\$r1\)\{\.\.\.on Person\{x:born\}\}\}$/);
    assert.equal(stock.sent['people']!.length, 2);
    // reviews: one operation at two paths, one list; featured's b1 is also in items: sent once.
    assert.equal(batched.sent['reviews']!.length, 1);
    const reviewed = sentRepresentations(batched.sent['reviews']![0]!).map((r: any) => r.id);
    assert.deepEqual(reviewed, ['b1', 'b2', 'm1', 'm2', 'b3', 'b4']);
    assert.equal(stock.sent['reviews']!.length, 2);
    assert.equal(stock.sent['reviews']!.flatMap(sentRepresentations).length, 7);
  });

  test('the opt-out sends that subgraph’s fetches separately, others still batched', async () => {
    const { sent } = await ask(peopleOptedOut, TWO_PATHS);
    assert.equal(sent['people']!.length, 2);
    assert.ok(sent['people']!.every((r) => !r.query.includes('_0:')));
    assert.equal(sent['reviews']!.length, 1);
  });

  test('a batched request is one subgraph fetch in the access log', async () => {
    const { response } = await ask(tollgate.gateway, TWO_PATHS);
    const line = tollgate.logs.find((entry) => entry.msg === 'request' && entry.requestId === response.headers.get('x-request-id'));
    assert.equal(line?.subgraphFetches, 3, 'catalog, reviews, people: one request each');
  });

  test('errors of each part land at their own entities’ paths', async () => {
    const batched = await ask(tollgate.gateway, ERRORS_IN_BOTH);
    assert.equal(batched.sent['people']!.length, 1);
    assert.match(batched.sent['people']![0]!.query, /_1:_entities/);
    const stock = await ask(apollo, ERRORS_IN_BOTH);
    const optedOut = await ask(peopleOptedOut, ERRORS_IN_BOTH);
    assert.deepEqual(unordered(batched.response.body), unordered(stock.response.body));
    assert.deepEqual(unordered(batched.response.body), unordered(optedOut.response.body));
    // Part 0 (authors: Lem's bio is null for a non-null field), then part 1 (directors' secrets).
    const paths = batched.response.body.errors.map((e: any) => e.path);
    assert.deepEqual(paths, [
      ['items', 4, 'author', 'bio'],
      ['items', 2, 'director', 'secret'],
    ]);
  });

  test('a request failing as a whole fails every fetch it carried, each with its own error', async () => {
    const boom: Tamper = () => ({ raw: { status: 500, contentType: 'text/plain', body: 'boom' } });
    const batched = await withTamper(boom, () => ask(tollgate.gateway, ERRORS_IN_BOTH));
    const stock = await withTamper(boom, () => ask(apollo, ERRORS_IN_BOTH));
    assert.equal(batched.sent['people']!.length, 1);
    assert.equal(batched.response.body.errors.length, 2);
    assert.deepEqual(batched.response.body, stock.response.body);
  });

  test('a part whose _entities nulls the whole answer: each fetch is asked again alone', async () => {
    // The directors' _entities fails as a field: null for a non-null field, data null.
    const failDirectors: Tamper = (result, request) => {
      const operation = parse(request.query).definitions[0] as OperationDefinitionNode;
      const failing = operation.selectionSet.selections.find((s) => print(s).includes('secret')) as FieldNode | undefined;
      if (!failing) return result;
      return { data: null, errors: [{ message: 'directors unavailable', path: [(failing.alias ?? failing.name).value] }] } as never;
    };
    const batched = await withTamper(failDirectors, () => ask(tollgate.gateway, ERRORS_IN_BOTH));
    const optedOut = await withTamper(failDirectors, () => ask(peopleOptedOut, ERRORS_IN_BOTH));
    const stock = await withTamper(failDirectors, () => ask(apollo, ERRORS_IN_BOTH));
    assert.deepEqual(batched.sent['people']!.map((r) => (r.query.includes('_0:') ? 'batched' : 'alone')), ['batched', 'alone', 'alone']);
    assert.deepEqual(unordered(batched.response.body), unordered(optedOut.response.body));
    assert.deepEqual(unordered(batched.response.body), unordered(stock.response.body));
    assert.equal(batched.response.body.data.items[0].author.name, 'Frank Herbert', 'the authors’ part still answered');
  });

  test('an error naming no part, with data, is given once (with the first part)', async () => {
    const note: Tamper = (result) => ({ ...result, errors: [...(result.errors ?? []), { message: 'note' }] }) as never;
    const batched = await withTamper(note, () => ask(tollgate.gateway, TWO_PATHS));
    const optedOut = await withTamper(note, () => ask(peopleOptedOut, TWO_PATHS));
    assert.deepEqual(batched.response.body.data, optedOut.response.body.data);
    assert.equal(batched.response.body.errors.length, 1);
    assert.equal(batched.response.body.errors[0].path, undefined);
    assert.equal(optedOut.response.body.errors.length, 2, 'one per request');
  });

  test('a fetch with no representations at run time is left out of the request', async () => {
    // b1 is a Book: the directors' fetch has nothing to send, the authors' goes alone.
    const query = '{ item(id: "b1") { ... on Book { author { name } } ... on Movie { director { born } } } }';
    const batched = await ask(tollgate.gateway, query);
    const stock = await ask(apollo, query);
    assert.deepEqual(batched.response.body, stock.response.body);
    assert.equal(batched.sent['people']!.length, 1);
    assert.match(batched.sent['people']![0]!.query, /\{_entities\(representations:\$representations\)/);
  });
});

describe('fetch batching (the benchmark’s heavy query)', () => {
  let servers: Array<{ url: string; server: Server }>;
  let proxies: Server[];
  const counts = new Map<string, number>();
  let tollgate: RunningGateway;
  let optedOut: RunningGateway;
  let apollo: RunningGateway;

  /** Forwards to the subgraph, counting requests. */
  async function countingProxy(name: string, target: string): Promise<{ url: string; server: Server }> {
    const url = new URL(target);
    const server = createServer((req, res) => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const upstream = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, server };
  }

  before(async () => {
    servers = await Promise.all(SUBGRAPH_NAMES.map((name) => startSubgraphServer(buildSchema(name), { responseCache: false })));
    const counted = await Promise.all(SUBGRAPH_NAMES.map((name, i) => countingProxy(name, servers[i]!.url)));
    proxies = counted.map((c) => c.server);
    const supergraph = composeForTest(SUBGRAPH_NAMES.map((name, i) => ({ name, routingUrl: counted[i]!.url, sdl: subgraphSdl(name) })));
    tollgate = await startTestGateway(supergraph);
    optedOut = await startTestGateway(supergraph, { traffic_shaping: { all: { batch_entity_fetches: false } } });
    apollo = await startTestGateway(supergraph, { executor: 'apollo' });
  });

  after(async () => {
    await tollgate?.stop();
    await optedOut?.stop();
    await apollo?.stop();
    await Promise.all([...(proxies ?? []), ...(servers ?? []).map((s) => s.server)].map(stopServer));
  });

  test('7 subgraph requests instead of 16, the same answer', async () => {
    const query = readFileSync(new URL('../../../bench/queries/heavy.graphql', import.meta.url), 'utf8');
    const run = async (gateway: RunningGateway) => {
      counts.clear();
      const response = await postGraphQL(gateway.url, { query });
      return { body: response.body, requests: Object.fromEntries([...counts].sort()) };
    };
    const batched = await run(tollgate);
    const unbatched = await run(optedOut);
    const stock = await run(apollo);
    assert.equal(batched.body.errors, undefined);
    assert.deepEqual(batched.body, unbatched.body);
    assert.deepEqual(batched.body, stock.body);
    assert.deepEqual(stock.requests, { accounts: 3, inventory: 7, products: 4, reviews: 2 });
    assert.deepEqual(unbatched.requests, stock.requests);
    // Fetches held until the run's requests in flight are answered go out in waves, one request
    // per subgraph per wave; each inStock fetch waits to go with the shippingEstimate fetch.
    assert.deepEqual(batched.requests, { accounts: 2, inventory: 2, products: 2, reviews: 1 });
  });
});

describe('batch_entity_fetches config', () => {
  test('a boolean, per subgraph or for all; anything else fails start-up naming the key', () => {
    assert.doesNotThrow(() => defaultConfig({ supergraph: { file: 'x' }, traffic_shaping: { all: { batch_entity_fetches: false }, subgraphs: { a: { batch_entity_fetches: true } } } }));
    assert.throws(
      () => defaultConfig({ supergraph: { file: 'x' }, traffic_shaping: { subgraphs: { a: { batch_entity_fetches: 'sometimes' as never } } } }),
      (error: unknown) => error instanceof ConfigError && /traffic_shaping\.subgraphs\.a\.batch_entity_fetches/.test(error.message),
    );
  });
});
