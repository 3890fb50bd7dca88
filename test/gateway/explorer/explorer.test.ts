// The explorer over HTTP (issue 16): a browser's GET of the GraphQL path gets the page with strict
// security headers, everything else the GraphQL answer it always got; its files, with long caching;
// the defaults (off under NODE_ENV=production, off without introspection); config errors naming
// the key; the cost and plan headers it sends; the demo token only where the demo stack asks.
// Real gateways over the demo's subgraphs; the browser itself: test/e2e/explorer-browser.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseConfig } from '../../../gateway/src/config/load.ts';
import { loadExplorerAssets } from '../../../gateway/src/explorer/assets.ts';
import { explorerWanted } from '../../../gateway/src/explorer/config.ts';
import { Explorer } from '../../../gateway/src/explorer/explorer.ts';
import { startGateway } from '../../../gateway/src/gateway.ts';
import { startDemoBackendsAndSubgraphs, type DemoStack } from '../../support/demo-stack.ts';
import { composeForTest, postGraphQL, startLoggedGateway, type LoggedGateway } from '../../support/gateway.ts';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const QUERY = '{ user(id: "u1") { username recentOrders(first: 1) { id items { product { name } } } } featuredProducts(first: 1) { name } }';
// As the gateway would with demand control on, so that a cost is computed.
const COSTED = { demand_control: { enabled: true } } as const;

/** Runs `body` with NODE_ENV set to `value` (this test file's process only), then puts it back. */
function withNodeEnv<T>(value: string | undefined, body: () => T): T {
  const before = process.env['NODE_ENV'];
  if (value === undefined) delete process.env['NODE_ENV'];
  else process.env['NODE_ENV'] = value;
  try {
    return body();
  } finally {
    if (before === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = before;
  }
}

describe('the explorer over HTTP', () => {
  let stack: DemoStack;
  let supergraph: string;
  let on: LoggedGateway;
  let base: string;

  before(async () => {
    stack = await startDemoBackendsAndSubgraphs();
    supergraph = composeForTest(stack.services);
    on = await startLoggedGateway(supergraph, { ...COSTED, explorer: { expose_query_plan: true } });
    base = `http://127.0.0.1:${on.gateway.port}`;
  });

  after(async () => {
    await on?.stop();
    await stack?.stop();
  });

  test('a browser GET of the GraphQL path gets the page, with strict security headers', async () => {
    const response = await fetch(`${base}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'", "img-src 'self' data:"]) {
      assert.ok(csp.split('; ').includes(directive), `${directive} in ${csp}`);
    }
    assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline|https?:|\*/);
    assert.match(csp, /style-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('vary'), 'accept');
    assert.ok(response.headers.get('x-request-id'));
    const html = await response.text();
    // The page's only scripts: its own file, and its settings as data; the nonce is the header's.
    assert.deepEqual([...html.matchAll(/<script[^>]*>/g)].map((m) => m[0]), ['<script type="application/json" id="tollgate-explorer-config">', `<script type="module" src="/-/explorer/${(loadExplorerAssets() as { script: string }).script}">`]);
    const settings = JSON.parse(html.match(/id="tollgate-explorer-config">(.*?)<\/script>/)![1]!);
    assert.deepEqual({ ...settings, styleNonce: undefined }, { graphqlPath: '/graphql', requestIdHeader: 'x-request-id', queryPlan: true, styleNonce: undefined });
    assert.ok(csp.includes(`'nonce-${settings.styleNonce}'`));
    const again = await fetch(`${base}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
    assert.notEqual(again.headers.get('content-security-policy'), csp, 'a fresh nonce per response');
  });

  test('the page only where the Accept header prefers HTML and the URL asks for no data', () => {
    const wants = (accept: string, url = '/graphql') => Explorer.wantsPage(url, { accept });
    assert.equal(wants(BROWSER_ACCEPT), true);
    assert.equal(wants('TEXT/HTML'), true);
    assert.equal(wants('application/json, text/html;q=0'), false);
    assert.equal(wants('text/htmlfoo'), false);
    assert.equal(wants('*/*'), false);
    assert.equal(wants(BROWSER_ACCEPT, '/graphql?%71uery=%7B__typename%7D'), false);
    assert.equal(wants(BROWSER_ACCEPT, '/graphql?documentId=x'), false);
    assert.equal(wants(BROWSER_ACCEPT, '/graphql?tab=1'), true);
  });

  test('a GraphQL GET (accept JSON) and a POST are answered as before', async () => {
    const get = await fetch(`${base}/graphql?query=${encodeURIComponent('{ featuredProducts(first: 1) { name } }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    assert.equal(get.status, 200);
    assert.deepEqual(await get.json(), { data: { featuredProducts: [{ name: 'Trail Running Shoes' }] } });
    // A GET without accept, or one accepting anything, is GraphQL too (here refused by CSRF prevention, as before).
    for (const accept of [undefined, '*/*', 'application/graphql-response+json']) {
      const response = await fetch(`${base}/graphql`, { headers: accept === undefined ? {} : { accept } });
      assert.equal(response.status, 400, `accept ${accept}`);
      assert.match(((await response.json()) as any).errors[0].message, /Cross-Site Request Forgery/);
    }
    // A GraphQL GET (a query in the URL) accepting only HTML is still refused, not the page.
    const htmlOnly = await fetch(`${base}/graphql?query=${encodeURIComponent('{ featuredProducts(first: 1) { name } }')}`, { headers: { accept: 'text/html', 'apollo-require-preflight': 'true' } });
    assert.equal(htmlOnly.status, 406);
    const post = await postGraphQL(`${base}/graphql`, { query: QUERY });
    assert.equal(post.status, 200);
    assert.equal(post.body.data.user.username, 'alice');
    assert.equal(post.body.extensions, undefined, 'no cost, no plan unless asked');
  });

  test('its files: content-hashed, a year of caching, ETag, gzip; an unknown file 404', async () => {
    const assets = loadExplorerAssets();
    assert.ok(!('missing' in assets), 'dist/explorer is built by npm install (prepare)');
    const url = `${base}/-/explorer/${assets.script}`;
    const plain = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(plain.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(plain.headers.get('x-content-type-options'), 'nosniff');
    const body = Buffer.from(await plain.arrayBuffer());
    // fetch() always decodes: read the raw gzip with node:http to see it is the same file.
    const gzipped = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      request(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject).end();
    });
    assert.equal(gzipped.headers['content-encoding'], 'gzip');
    assert.ok(gzipped.body.length < body.length / 2);
    assert.ok(gunzipSync(gzipped.body).equals(body));
    const etag = plain.headers.get('etag')!;
    const revalidated = await fetch(url, { headers: { 'if-none-match': etag } });
    assert.equal(revalidated.status, 304);
    const css = await fetch(`${base}/-/explorer/${assets.style}`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    for (const path of ['/-/explorer/nope.js', '/-/explorer/', '/-/explorer/../package.json', '/-/explorer/demo-token']) {
      const missing = await fetch(`${base}${path}`);
      assert.equal(missing.status, 404, path);
      assert.equal(((await missing.json()) as any).errors[0].extensions.code, 'NOT_FOUND');
    }
  });

  test('the cost and the plan, for a request that asks (the explorer does)', async () => {
    const asked = await postGraphQL(`${base}/graphql`, { query: QUERY }, { 'tollgate-expose-cost': 'true', 'tollgate-expose-query-plan': 'true' });
    const { cost, queryPlan } = asked.body.extensions;
    assert.ok(cost.requestedQueryCost > 0 && cost.actualQueryCost > 0 && cost.actualQueryCost <= cost.requestedQueryCost, JSON.stringify(cost));
    assert.equal(queryPlan.fetches, 4);
    assert.deepEqual(queryPlan.node, {
      kind: 'Parallel',
      nodes: [
        { kind: 'Sequence', nodes: [{ kind: 'Fetch', subgraph: 'accounts' }, { kind: 'Fetch', subgraph: 'orders', path: 'user' }, { kind: 'Fetch', subgraph: 'catalog', path: 'user.recentOrders.@.items.@.product' }] },
        { kind: 'Fetch', subgraph: 'catalog' },
      ],
    });
    const costOnly = await postGraphQL(`${base}/graphql`, { query: QUERY }, { 'tollgate-expose-cost': 'true' });
    assert.deepEqual(Object.keys(costOnly.body.extensions), ['cost']);
  });

  test('the same plan from executor: apollo', async () => {
    const apollo = await startLoggedGateway(supergraph, { executor: 'apollo', explorer: { expose_query_plan: true } });
    try {
      const asked = await postGraphQL(`http://127.0.0.1:${apollo.gateway.port}/graphql`, { query: QUERY }, { 'tollgate-expose-query-plan': 'true' });
      const mine = await postGraphQL(`${base}/graphql`, { query: QUERY }, { 'tollgate-expose-query-plan': 'true' });
      assert.deepEqual(asked.body.extensions.queryPlan, mine.body.extensions.queryPlan);
    } finally {
      await apollo.stop();
    }
  });

  test('without expose_query_plan, or with the explorer off, the headers change nothing', async () => {
    const noPlan = await startLoggedGateway(supergraph, { ...COSTED });
    const off = await startLoggedGateway(supergraph, { ...COSTED, explorer: { enabled: false } });
    try {
      const headers = { 'tollgate-expose-cost': 'true', 'tollgate-expose-query-plan': 'true' };
      const planless = await postGraphQL(`http://127.0.0.1:${noPlan.gateway.port}/graphql`, { query: QUERY }, headers);
      assert.deepEqual(Object.keys(planless.body.extensions), ['cost']);
      const nothing = await postGraphQL(`http://127.0.0.1:${off.gateway.port}/graphql`, { query: QUERY }, headers);
      assert.equal(nothing.body.extensions, undefined);
      // Off: a browser's GET is a GraphQL request like any other (CSRF-refused, as before issue 16).
      const page = await fetch(`http://127.0.0.1:${off.gateway.port}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
      assert.equal(page.status, 400);
      assert.match(page.headers.get('content-type') ?? '', /application\/json/);
      const file = await fetch(`http://127.0.0.1:${off.gateway.port}/-/explorer/${(loadExplorerAssets() as { script: string }).script}`);
      assert.equal(file.status, 404);
    } finally {
      await noPlan.stop();
      await off.stop();
    }
  });

  test('server.introspection false turns it off, saying why; a client profile without introspection is said', async () => {
    const closed = await startLoggedGateway(supergraph, { server: { introspection: false } });
    const anonymousClosed = await startLoggedGateway(supergraph, { clients: { profiles: { anonymous: { introspection: false } } } });
    try {
      const page = await fetch(`http://127.0.0.1:${closed.gateway.port}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
      assert.equal(page.status, 400);
      assert.ok(closed.logs.some((line) => line.key === 'explorer.enabled' && /explorer off: server\.introspection is false/.test(line.msg)));
      const open = await fetch(`http://127.0.0.1:${anonymousClosed.gateway.port}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
      assert.equal(open.status, 200);
      assert.ok(anonymousClosed.logs.some((line) => line.key === 'explorer.enabled' && /put a token in its header editor/.test(line.msg)));
    } finally {
      await closed.stop();
      await anonymousClosed.stop();
    }
  });

  test('a reload that turns introspection off takes the page, its files and its headers away', async () => {
    const gateway = await startLoggedGateway(supergraph, { ...COSTED, explorer: { expose_query_plan: true } });
    try {
      const url = `http://127.0.0.1:${gateway.gateway.port}/graphql`;
      const expose = { 'tollgate-expose-cost': 'true', 'tollgate-expose-query-plan': 'true' };
      const style = `http://127.0.0.1:${gateway.gateway.port}/-/explorer/${(loadExplorerAssets() as { style: string }).style}`;
      assert.equal((await fetch(url, { headers: { accept: BROWSER_ACCEPT } })).status, 200);
      assert.deepEqual(Object.keys((await postGraphQL(url, { query: QUERY }, expose)).body.extensions).sort(), ['cost', 'queryPlan']);
      assert.equal((await fetch(style)).status, 200);
      // A GET answer with this caller's plan and budget in it is never for a shared cache.
      const get = await fetch(`${url}?query=${encodeURIComponent(QUERY)}`, { headers: { ...expose, 'apollo-require-preflight': 'true', accept: 'application/json' } });
      assert.equal(get.status, 200);
      assert.equal(get.headers.get('cache-control'), 'no-store');
      await gateway.gateway.reconfigure({ ...gateway.gateway.config, server: { ...gateway.gateway.config.server, introspection: false } });
      assert.equal((await fetch(url, { headers: { accept: BROWSER_ACCEPT } })).status, 400);
      assert.equal((await postGraphQL(url, { query: QUERY }, expose)).body.extensions, undefined);
      assert.equal((await fetch(style)).status, 404);
    } finally {
      await gateway.stop();
    }
  });

  test('the demo token: only when the demo stack passes an issuer; POST with JSON only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-explorer-'));
    await writeFile(join(dir, 'supergraph.graphql'), supergraph);
    const demo = await startGateway(parseConfig({ supergraph: { file: join(dir, 'supergraph.graphql') }, server: { listen: '127.0.0.1:0' }, telemetry: { logging: { level: 'silent' } } }, {}), {
      demoToken: async () => ({ token: 'a.b.c', subject: 'u1', scope: 'orders:read' }),
    });
    try {
      const url = `http://127.0.0.1:${demo.port}/-/explorer/demo-token`;
      const minted = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(minted.status, 200);
      assert.equal(minted.headers.get('cache-control'), 'no-store');
      assert.deepEqual(await minted.json(), { token: 'a.b.c', subject: 'u1', scope: 'orders:read' });
      assert.equal((await fetch(url)).status, 405);
      // A cross-site form can send text/plain without a preflight: refused.
      assert.equal((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' })).status, 415);
      const page = await (await fetch(`http://127.0.0.1:${demo.port}/graphql`, { headers: { accept: BROWSER_ACCEPT } })).text();
      assert.match(page, /"demoTokenPath":"\/-\/explorer\/demo-token"/);
    } finally {
      await demo.stop();
      await rm(dir, { recursive: true, force: true });
    }
    // The shared gateway got no issuer: no route (the 404 in the files test), no button.
    const page = await (await fetch(`${base}/graphql`, { headers: { accept: BROWSER_ACCEPT } })).text();
    assert.doesNotMatch(page, /demoTokenPath/);
  });
});

describe('explorer config', () => {
  test('on by default, off by default under NODE_ENV=production; explicit values win', () => {
    assert.equal(withNodeEnv(undefined, () => explorerWanted(parseConfig({ supergraph: { file: 's' } }, {}).explorer)), true);
    assert.equal(withNodeEnv('development', () => explorerWanted(parseConfig({ supergraph: { file: 's' } }, {}).explorer)), true);
    assert.equal(withNodeEnv('production', () => explorerWanted(parseConfig({ supergraph: { file: 's' } }, {}).explorer)), false);
    assert.equal(withNodeEnv('production', () => explorerWanted(parseConfig({ supergraph: { file: 's' }, explorer: { enabled: true } }, {}).explorer)), true);
    assert.equal(withNodeEnv(undefined, () => explorerWanted(parseConfig({ supergraph: { file: 's' }, explorer: { enabled: false } }, {}).explorer)), false);
  });

  test('a wrong value fails start-up naming the key', () => {
    assert.throws(() => parseConfig({ supergraph: { file: 's' }, explorer: { enabled: 'maybe' } }, {}), /explorer\.enabled/);
    assert.throws(() => parseConfig({ supergraph: { file: 's' }, explorer: { expose_plan: true } }, {}), /explorer\.expose_plan: unknown key/);
  });

  test('expose_query_plan is refused under NODE_ENV=production, naming the key', () => {
    assert.throws(
      () => withNodeEnv('production', () => parseConfig({ supergraph: { file: 's' }, explorer: { expose_query_plan: true } }, {})),
      /explorer\.expose_query_plan: true with NODE_ENV=production/,
    );
    assert.equal(withNodeEnv(undefined, () => parseConfig({ supergraph: { file: 's' }, explorer: { expose_query_plan: true } }, {}).explorer.expose_query_plan), true);
  });

  test('files not built: the reason, and a page saying so (never a crash)', async () => {
    const missing = loadExplorerAssets(new URL('file:///nonexistent-tollgate-explorer/'));
    assert.ok('missing' in missing && /manifest\.json not found/.test(missing.missing));
    const explorer = new Explorer({ graphqlPath: '/graphql', requestIdHeader: 'x-request-id', queryPlan: false, assets: missing });
    const server = createServer((req, res) => explorer.page(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`);
      assert.equal(response.status, 503);
      assert.match(await response.text(), /npm run build:explorer/);
    } finally {
      server.close();
    }
  });
});
