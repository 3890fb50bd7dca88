// A bounded fuzz test (issue 10): a few thousand requests made by seeded random mutations of valid
// documents, variables, bodies and headers, sent to a gateway over the demo's real subgraphs with
// every stage on (API keys, quotas, demand control). Whatever the input, the gateway answers with
// a status below 500 and a GraphQL error body or data, never a crash or a hang, and it is healthy
// after. The seed is fixed, so a failure reproduces; FUZZ_SEED and FUZZ_CASES change them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { RunningGateway } from '../../gateway/src/gateway.ts';
import { startDemoBackendsAndSubgraphs, type DemoStack } from '../support/demo-stack.ts';
import { postGraphQL, startTestGateway } from '../support/gateway.ts';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261202);
const CASES = Number(process.env['FUZZ_CASES'] ?? 3000);
const CONCURRENCY = 16;

const HOME_SCREEN = readFileSync(new URL('../../subgraphs/home-screen.graphql', import.meta.url), 'utf8');
const SEEDS = [
  HOME_SCREEN,
  '{ featuredProducts(first: 3) { id name price { amount currency } reviews { rating body author { name } } } }',
  'query Me { me { id name recentOrders(first: 2) { id total { amount } items { quantity product { name } } } } }',
  'query P($id: ID!) { product(id: $id) { id name ... on Product { reviews { id rating } } } }',
  '{ __schema { types { name } } }',
  'fragment F on Product { id name } { featuredProducts { ...F } }',
];
const TOKENS = ['{', '}', '(', ')', '...', 'on', ':', '$', '@include(if: true)', '@skip(if: $x)', 'query', 'mutation', 'fragment', '"', '\\u0000', '#', ',', 'null', '1e309', '__typename', '\n', 'ñ', '\u202e'];

/** mulberry32: a small seeded PRNG, so every run sends the same cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzCase {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

function makeCases(random: () => number, gatewayPath: string, apiKey: string): FuzzCase[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const mutateText = (text: string): string => {
    let out = text;
    const edits = 1 + Math.floor(random() * 4);
    for (let i = 0; i < edits; i++) {
      const at = Math.floor(random() * (out.length + 1));
      const kind = random();
      if (kind < 0.35) out = out.slice(0, at) + pick(TOKENS) + out.slice(at);
      else if (kind < 0.6) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(random() * 8));
      else if (kind < 0.75) out = out.slice(0, at) + out.slice(at, at + 40).repeat(1 + Math.floor(random() * 30)) + out.slice(at + 40);
      else if (kind < 0.85) out = '{ a: __typename '.repeat(1 + Math.floor(random() * 400)) + '}'.repeat(1 + Math.floor(random() * 400));
      else out = out.slice(0, at) + String.fromCharCode(Math.floor(random() * 0xffff)) + out.slice(at);
    }
    return out;
  };
  const randomJson = (depth: number): unknown => {
    const kind = random();
    if (depth > 6 || kind < 0.3) return pick([null, true, 0, -1, 1e308, 'u1', '', 'x'.repeat(Math.floor(random() * 2000))]);
    if (kind < 0.6) return Array.from({ length: Math.floor(random() * 5) }, () => randomJson(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(random() * 5) }, (_, i) => [pick(['id', 'userId', 'first', 'x', `k${i}`, '__proto__', 'constructor']), randomJson(depth + 1)]));
  };
  const headerSets: Array<Record<string, string>> = [
    { 'content-type': 'application/json' },
    { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    { 'content-type': 'application/json', 'x-api-key': apiKey },
    { 'content-type': 'application/json', authorization: 'Bearer not.a.jwt' },
    { 'content-type': 'application/json; charset=utf-16' },
    { 'content-type': 'text/plain' },
    { 'content-type': 'application/json', accept: 'text/html' },
    { 'content-type': 'application/json', 'x-forwarded-for': '1.2.3.4, 5.6.7.8' },
  ];
  const cases: FuzzCase[] = [];
  for (let i = 0; i < CASES; i++) {
    const seedQuery = pick(SEEDS);
    const query = random() < 0.15 ? seedQuery : mutateText(seedQuery);
    const variables = random() < 0.5 ? { userId: 'u1', id: 'p1', first: 2, x: true } : randomJson(0);
    const shape = random();
    if (shape < 0.15) {
      const params = new URLSearchParams({ query });
      if (random() < 0.5) params.set('variables', JSON.stringify(variables));
      if (random() < 0.2) params.append('query', '{ __typename }');
      cases.push({ method: 'GET', path: `${gatewayPath}?${params}`, headers: pick<Record<string, string>>([{ 'apollo-require-preflight': '1' }, {}, { 'content-type': 'text/plain' }]) });
      continue;
    }
    let body: string | Buffer;
    if (shape < 0.25) body = Buffer.from(Array.from({ length: Math.floor(random() * 512) }, () => Math.floor(random() * 256)));
    else if (shape < 0.35) body = JSON.stringify({ query, variables }).slice(0, Math.floor(random() * 200));
    else if (shape < 0.45) body = JSON.stringify([{ query }, { query }]);
    else if (shape < 0.55) body = JSON.stringify({ query: random() < 0.5 ? 42 : { kind: 'Document' }, variables: '{"a":1}', operationName: ['x'] });
    else body = JSON.stringify({ query, variables, operationName: random() < 0.2 ? pick(['Me', 'P', 'Nope', 'x'.repeat(5000)]) : undefined, extensions: random() < 0.1 ? { persistedQuery: { version: pick([1, 2]), sha256Hash: pick(['abc', 'f'.repeat(64)]) } } : undefined });
    cases.push({ method: 'POST', path: gatewayPath, headers: pick(headerSets), body });
  }
  return cases;
}

/** One raw HTTP request (node:http, so malformed bodies go out as they are); bounded in time. */
function send(port: number, fuzz: FuzzCase): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: fuzz.method, path: fuzz.path, headers: fuzz.headers, timeout: 20_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
    req.end(fuzz.body);
  });
}

describe(`fuzz: ${CASES} seeded mutations of valid requests (seed ${SEED})`, () => {
  let stack: DemoStack;
  let gateway: RunningGateway;
  const apiKey = 'tg_fuzz_client_0123456789abcdef';

  before(async () => {
    stack = await startDemoBackendsAndSubgraphs();
    const { apiKeyDigest } = await import('../../gateway/src/auth/api-keys.ts');
    gateway = await startTestGateway(
      { compose: 'supergraph.yaml' },
      {
        override_subgraph_url: stack.subgraphs.urls,
        authentication: { api_keys: { keys: [{ client_id: 'fuzz', sha256: apiKeyDigest(apiKey) }] } },
        demand_control: { enabled: true, mode: 'enforce' },
        quotas: { rules: [{ key: ['client'], requests: { limit: 1_000_000, window_s: 60 }, cost: { limit: 100_000_000, window_s: 60 } }] },
        server: { introspection: false },
      },
    );
  });

  after(async () => {
    await gateway?.stop();
    await stack?.stop();
  });

  test('no 5xx, every answer a JSON body with data or errors, the gateway healthy after', async () => {
    const cases = makeCases(prng(SEED), new URL(gateway.url).pathname, apiKey);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const fuzz = cases[index]!;
        let answer: { status: number; body: string };
        try {
          answer = await send(gateway.port, fuzz);
        } catch (error) {
          failures.push(`case ${index}: ${(error as Error).message} (${fuzz.method} ${fuzz.path.slice(0, 80)})`);
          continue;
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        // A 413 may close the connection before its body; anything else answers in JSON.
        let parsed: { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> } | undefined;
        try {
          parsed = JSON.parse(answer.body);
        } catch {
          parsed = undefined;
        }
        const shaped = parsed !== undefined && ('data' in parsed || Array.isArray(parsed.errors));
        if (answer.status >= 500 || !shaped) {
          failures.push(`case ${index}: ${answer.status} ${answer.body.slice(0, 200)} (${fuzz.method} ${String(fuzz.body ?? fuzz.path).slice(0, 120)})`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    process.stdout.write(`# fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}\n`);
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${cases.length} cases failed`);
    // Healthy after: liveness, and a valid query still answers in full.
    assert.equal((await fetch(gateway.url.replace(/\/graphql$/, '/health'))).status, 200);
    const valid = await postGraphQL(gateway.url, { query: HOME_SCREEN, variables: { userId: 'u1' } }, { 'x-api-key': apiKey });
    assert.equal(valid.status, 200);
    assert.equal(valid.body.errors, undefined);
  });
});
