// Issue 15 part 2: trusted documents (persisted operations) from manifest files, Apollo's and
// Relay's formats; a persisted-only client profile refuses free-form queries and unknown ids
// before any parsing and with no subgraph call; documents are parsed and validated at load.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { canonicalId, ManifestError, parseManifest } from '../../../gateway/src/document/manifest.ts';
import { TrustedDocuments } from '../../../gateway/src/document/trusted-documents.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, startTestGateway } from '../../support/gateway.ts';
import { apiKeysFor } from '../quota/helpers.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello: String greet(name: String!): String }`;

const HELLO = 'query Hello { hello }';
const GREET = 'query Greet($name: String!) { greet(name: $name) }';
const RELAY_DOC = 'query RelayHello { hello }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const APOLLO_MANIFEST = {
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [
    { id: sha256(HELLO), name: 'Hello', type: 'query', body: HELLO },
    { id: sha256(GREET), name: 'Greet', type: 'query', body: GREET },
  ],
};
const RELAY_MANIFEST = { 'relay-1': RELAY_DOC };

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

const BOUNDS = { maxDocuments: 100, maxDocumentBytes: 1000, maxTokens: 1000 };

describe('manifest formats', () => {
  test('Apollo and Relay manifests read into id → body', () => {
    assert.deepEqual(
      parseManifest(JSON.stringify(APOLLO_MANIFEST), 'a.json', BOUNDS).map((e) => [e.id, e.body, e.where]),
      [
        [sha256(HELLO), HELLO, 'a.json operations[0] (Hello)'],
        [sha256(GREET), GREET, 'a.json operations[1] (Greet)'],
      ],
    );
    assert.deepEqual(parseManifest(JSON.stringify(RELAY_MANIFEST), 'r.json', BOUNDS).map((e) => [e.id, e.body]), [['relay-1', RELAY_DOC]]);
  });

  const refusals: Array<[string, unknown, RegExp]> = [
    ['not JSON', '{', /^m\.json: not JSON/],
    ['wrong format', { format: 'other', version: 1, operations: [] }, /^m\.json: format: expected "apollo-persisted-query-manifest"/],
    ['wrong version', { format: 'apollo-persisted-query-manifest', version: 2, operations: [] }, /^m\.json: version: expected 1, got 2/],
    ['entry without body', { ...APOLLO_MANIFEST, operations: [APOLLO_MANIFEST.operations[0], { id: 'x', name: 'X' }] }, /^m\.json operations\[1\]: body: expected a string/],
    ['body that does not parse', { ...APOLLO_MANIFEST, operations: [{ id: 'x', name: 'Bad', body: 'query {' }] }, /^m\.json operations\[0\] \(Bad\): body does not parse/],
    ['id with a space', { 'a b': HELLO }, /^m\.json "a b": id: expected 1 to 128 printable ASCII/],
    ['oversized body', { big: `{ ${'hello '.repeat(200)}}` }, /^m\.json "big": body is \d+ characters, over persisted_documents\.max_document_bytes \(1000\)/],
    ['one id, two bodies', { ...APOLLO_MANIFEST, operations: [{ id: 'x', body: HELLO }, { id: 'x', body: GREET }] }, /^m\.json operations\[1\]: id x is already in m\.json operations\[0\] with another body/],
    ['a bare SHA-256 id that is not the body\'s', { [sha256(GREET)]: HELLO }, new RegExp(`^m\\.json "${sha256(GREET)}": id ${sha256(GREET)} has the form of a SHA-256 but the body's SHA-256 is ${sha256(HELLO)}$`)],
    [
      'a sha256: id that is not the body\'s',
      { ...APOLLO_MANIFEST, operations: [{ id: `sha256:${sha256(GREET)}`, name: 'Evil', body: HELLO }] },
      new RegExp(`^m\\.json operations\\[0\\] \\(Evil\\): id sha256:${sha256(GREET)} has the form of a SHA-256 but the body's SHA-256 is ${sha256(HELLO)}$`),
    ],
    ['Relay value not a string', { a: 1 }, /^m\.json "a": expected a document string/],
  ];
  for (const [name, manifest, message] of refusals) {
    test(`refused: ${name}`, () => {
      const text = typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
      assert.throws(() => parseManifest(text, 'm.json', BOUNDS), (error: unknown) => error instanceof ManifestError && message.test(error.message));
    });
  }

  test('one id, one spelling: sha256:<hex> and <hex> (any case) read as the bare lowercase hex; other ids as they are', () => {
    const hex = sha256(HELLO);
    assert.deepEqual([`sha256:${hex.toUpperCase()}`, hex.toUpperCase(), hex, 'relay-1', 'sha256:relay-1', `sha256:${hex.slice(1)}`].map(canonicalId), [hex, hex, hex, 'relay-1', 'sha256:relay-1', `sha256:${hex.slice(1)}`]);
    const both = { ...APOLLO_MANIFEST, operations: [{ id: `sha256:${hex.toUpperCase()}`, body: HELLO }, { id: hex, body: HELLO }] };
    assert.deepEqual(parseManifest(JSON.stringify(both), 'm.json', BOUNDS).map((e) => e.id), [hex]);
  });

  test('TrustedDocuments: the two spellings are one id in add, get and entry', () => {
    const hex = sha256(HELLO);
    const documents = new TrustedDocuments(10);
    documents.add([{ id: hex, body: HELLO, where: 'file.json operations[0]' }]);
    // Added as the other spelling (not through parseManifest, so no hash check first): the same id.
    assert.throws(
      () => documents.add([{ id: `sha256:${hex}`, body: GREET, where: 'redis client ios version 1 operations[0]' }]),
      (error: unknown) => error instanceof ManifestError && error.message === `redis client ios version 1 operations[0]: id ${hex} is already in file.json operations[0] with another body`,
    );
    assert.deepEqual(documents.add([{ id: `sha256:${hex.toUpperCase()}`, body: HELLO, where: 'again' }]), []);
    assert.throws(() => documents.add([{ id: 'x', body: HELLO, where: 'a' }, { id: 'x', body: GREET, where: 'b' }]), { name: 'ManifestError', message: 'b: id x is already in a with another body' });
    assert.equal(documents.size, 1);
    assert.deepEqual([hex, `sha256:${hex}`, hex.toUpperCase(), `sha256:${hex.toUpperCase()}`].map((id) => documents.get(id)), [HELLO, HELLO, HELLO, HELLO]);
    assert.equal(documents.entry(`sha256:${hex}`)?.where, 'file.json operations[0]');
    assert.equal(documents.get('sha256:nope'), undefined);
  });

  test('more operations than max_documents: refused', () => {
    assert.throws(() => parseManifest(JSON.stringify(APOLLO_MANIFEST), 'm.json', { ...BOUNDS, maxDocuments: 1 }), /2 operations, more than persisted_documents\.max_documents \(1\)/);
  });
});

describe('trusted documents from manifest files', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let dir: string;
  let sdl: string;
  const { keys, config: apiKeys } = apiKeysFor([{ clientId: 'ios', profile: 'mobile' }, { clientId: 'web', profile: 'web' }]);

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world', greet: (_s, args: any) => `hi ${args.name}` } });
    sdl = composeForTest([{ name: 'greetings', routingUrl: subgraph.url, sdl: SDL }]);
    dir = await mkdtemp(join(tmpdir(), 'tollgate-manifests-'));
    await writeFile(join(dir, 'apollo.json'), JSON.stringify(APOLLO_MANIFEST));
    await writeFile(join(dir, 'relay.json'), JSON.stringify(RELAY_MANIFEST));
    gateway = await startTestGateway(sdl, {
      authentication: { api_keys: apiKeys },
      clients: { profiles: { mobile: { persisted_only: true }, web: {} } },
      persisted_documents: { manifests: [{ file: join(dir, 'apollo.json') }, { file: join(dir, 'relay.json') }] },
    });
  });

  after(async () => {
    await gateway.stop();
    await subgraph.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('parsed and validated at load: the first request by id parses nothing', async () => {
    const before = gateway.stages.graph!.document.stats();
    assert.equal(before.parses, 3, 'each trusted document parsed once at load');
    const result = await post(gateway.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(HELLO) } } });
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { data: { hello: 'world' } });
    const after = gateway.stages.graph!.document.stats();
    assert.equal(after.parses, before.parses);
    assert.equal(after.validations, before.validations);
    assert.equal(after.storeMisses, 0, 'Apollo Server found the pre-validated document');
  });

  test('planned at load: the first request of each trusted document finds its plan cached, named or not', async () => {
    const stats = gateway.federation.executorStats!;
    // Three documents, one operation each, planned before the gateway served (plan_wait_ms).
    assert.equal(stats.planCache!.size, 3);
    const misses = stats.planCacheMisses;
    const hits = stats.planCacheHits;
    assert.deepEqual((await post(gateway.url, { documentId: 'relay-1' })).body, { data: { hello: 'world' } });
    // The same document with its operation named: the same plan (one key per resolved operation).
    assert.deepEqual((await post(gateway.url, { documentId: sha256(GREET), operationName: 'Greet', variables: { name: 'cy' } })).body, { data: { greet: 'hi cy' } });
    assert.deepEqual((await post(gateway.url, { documentId: sha256(GREET), variables: { name: 'di' } })).body, { data: { greet: 'hi di' } });
    assert.equal(stats.planCacheMisses, misses, 'no trusted document was planned on a request');
    assert.equal(stats.planCacheHits, hits + 3);
  });

  test('by documentId (GraphQL-over-HTTP), bare or sha256:-prefixed, and a Relay id; variables apply', async () => {
    assert.deepEqual((await post(gateway.url, { documentId: sha256(GREET), variables: { name: 'ann' } })).body, { data: { greet: 'hi ann' } });
    assert.deepEqual((await post(gateway.url, { documentId: `sha256:${sha256(GREET)}`, variables: { name: 'bo' } })).body, { data: { greet: 'hi bo' } });
    const prefixed = { extensions: { persistedQuery: { version: 1, sha256Hash: `sha256:${sha256(GREET)}` } }, variables: { name: 'cy' } };
    assert.deepEqual((await post(gateway.url, prefixed, { 'x-api-key': keys['ios']! })).body, { data: { greet: 'hi cy' } });
    assert.deepEqual((await post(gateway.url, { documentId: 'relay-1' })).body, { data: { hello: 'world' } });
  });

  test('persisted-only profile runs its trusted documents', async () => {
    const result = await post(gateway.url, { documentId: 'relay-1' }, { 'x-api-key': keys['ios']! });
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { data: { hello: 'world' } });
  });

  test('persisted-only profile: a free-form query → 400 PERSISTED_QUERY_ONLY, nothing parsed, no subgraph call', async () => {
    const calls = subgraph.received.length;
    const parses = gateway.stages.graph!.document.stats().parses;
    // Even a query that is a trusted document's text: the client is built to send ids only.
    for (const body of [{ query: '{ hello }' }, { query: HELLO, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(HELLO) } } }]) {
      const result = await post(gateway.url, body, { 'x-api-key': keys['ios']! });
      assert.equal(result.status, 400);
      assert.equal(result.body.errors[0].extensions.code, 'PERSISTED_QUERY_ONLY');
      assert.equal(result.body.data, undefined);
    }
    assert.equal(subgraph.received.length, calls);
    assert.equal(gateway.stages.graph!.document.stats().parses, parses);
  });

  test('persisted-only profile: persistedQuery.version other than 1 → 400 BAD_REQUEST, as on the free-form path', async () => {
    const calls = subgraph.received.length;
    for (const version of [2, '1', undefined]) {
      const body = { extensions: { persistedQuery: { version, sha256Hash: sha256(HELLO) } } };
      for (const headers of [{ 'x-api-key': keys['ios']! }, { 'x-api-key': keys['web']! }]) {
        const result = await post(gateway.url, body, headers);
        assert.equal(result.status, 400, JSON.stringify([version, headers]));
        assert.deepEqual(result.body.errors.map((e: any) => [e.message, e.extensions.code]), [['Unsupported persisted query version', 'BAD_REQUEST']]);
      }
    }
    assert.equal(subgraph.received.length, calls);
  });

  test('persisted-only profile: an unknown id → 400 PERSISTED_QUERY_NOT_FOUND, no subgraph call', async () => {
    const calls = subgraph.received.length;
    for (const body of [{ documentId: 'nope' }, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ hello }') } } }]) {
      const result = await post(gateway.url, body, { 'x-api-key': keys['ios']! });
      assert.equal(result.status, 400);
      assert.equal(result.body.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    }
    const none = await post(gateway.url, { variables: {} }, { 'x-api-key': keys['ios']! });
    assert.equal(none.status, 400);
    assert.equal(none.body.errors[0].extensions.code, 'PERSISTED_QUERY_ONLY');
    assert.equal(subgraph.received.length, calls);
  });

  test('persisted-only profile never falls back to queries other clients registered by APQ', async () => {
    const query = '{ greet(name: "apq") }';
    const registered = await post(gateway.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } }, { 'x-api-key': keys['web']! });
    assert.deepEqual(registered.body, { data: { greet: 'hi apq' } });
    const byHash = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } };
    assert.deepEqual((await post(gateway.url, byHash, { 'x-api-key': keys['web']! })).body, { data: { greet: 'hi apq' } });
    const mobile = await post(gateway.url, byHash, { 'x-api-key': keys['ios']! });
    assert.equal(mobile.body.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
  });

  test('free-form profiles still run queries; an unknown documentId → 400 PERSISTED_QUERY_NOT_FOUND', async () => {
    assert.deepEqual((await post(gateway.url, { query: '{ hello }' }, { 'x-api-key': keys['web']! })).body, { data: { hello: 'world' } });
    const unknown = await post(gateway.url, { documentId: 'nope' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    const both = await post(gateway.url, { documentId: 'relay-1', query: '{ hello }' });
    assert.equal(both.status, 400);
    assert.equal(both.body.errors[0].extensions.code, 'BAD_REQUEST');
  });

  test('documentId and extensions.persistedQuery together → 400 BAD_REQUEST on every profile, even naming the same document; no subgraph call', async () => {
    const calls = subgraph.received.length;
    const same = { documentId: sha256(HELLO), extensions: { persistedQuery: { version: 1, sha256Hash: sha256(HELLO) } } };
    const different = { documentId: sha256(HELLO), extensions: { persistedQuery: { version: 1, sha256Hash: sha256(GREET) } }, variables: { name: 'x' } };
    for (const headers of [{}, { 'x-api-key': keys['web']! }, { 'x-api-key': keys['ios']! }] as Record<string, string>[]) {
      for (const body of [same, different]) {
        const result = await post(gateway.url, body, headers);
        assert.equal(result.status, 400, JSON.stringify([headers, body, result.body]));
        assert.deepEqual(
          result.body.errors.map((e: any) => [e.message, e.extensions.code]),
          [['Send either `documentId` or `extensions.persistedQuery`, not both: one request names its document once.', 'BAD_REQUEST']],
        );
      }
    }
    assert.equal(subgraph.received.length, calls);
    // Other extensions beside a documentId still reach execution, and a null persistedQuery is no second id.
    const withNull = await post(gateway.url, { documentId: sha256(HELLO), extensions: { persistedQuery: null, trace: true } });
    assert.deepEqual([withNull.status, withNull.body], [200, { data: { hello: 'world' } }]);
  });

  test('a bad manifest fails start-up naming the key, the file and the entry', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...APOLLO_MANIFEST, operations: [APOLLO_MANIFEST.operations[0], { id: 'x', name: 'Broken', body: 'query Broken {' }] }));
    await assert.rejects(
      startTestGateway(sdl, { persisted_documents: { manifests: [{ file: join(dir, 'relay.json') }, { file: bad }] } }),
      (error: Error) => error.name === 'ConfigError' && error.message.startsWith(`persisted_documents.manifests[1].file: ${bad} operations[1] (Broken): body does not parse`),
    );
    await assert.rejects(startTestGateway(sdl, { persisted_documents: { manifests: [{ file: join(dir, 'missing.json') }] } }), /persisted_documents\.manifests\[0\]\.file: cannot read .*missing\.json: ENOENT/);
  });

  test('a trusted document that does not validate against the supergraph fails start-up naming it', async () => {
    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, JSON.stringify({ 'old-1': 'query Old { goodbye }' }));
    await assert.rejects(
      startTestGateway(sdl, { persisted_documents: { manifests: [{ file: invalid }] } }),
      (error: Error) => error.name === 'ConfigError' && error.message.includes(`${invalid} "old-1": Cannot query field "goodbye" on type "Query".`),
    );
  });

  test('planning ahead stays within the plan cache bounds; the rest plan on first use', async () => {
    const bounded = await startTestGateway(sdl, {
      memory: { plan_cache: { max_entries: 2 } },
      persisted_documents: { manifests: [{ file: join(dir, 'apollo.json') }, { file: join(dir, 'relay.json') }] },
    });
    try {
      const stats = bounded.federation.executorStats!;
      assert.equal(stats.planCache!.size, 2, 'two of the three documents planned: the cache holds two');
      const misses = stats.planCacheMisses;
      assert.deepEqual((await post(bounded.url, { documentId: sha256(HELLO) })).body, { data: { hello: 'world' } });
      assert.equal(stats.planCacheMisses, misses, 'the first manifest\'s documents were planned');
      assert.deepEqual((await post(bounded.url, { documentId: 'relay-1' })).body, { data: { hello: 'world' } });
      assert.equal(stats.planCacheMisses, misses + 1, 'the one past the bound plans on its first request');
    } finally {
      await bounded.stop();
    }
  });

  test('after a supergraph reload, the new graph plans them before it serves', async () => {
    const reloading = await startTestGateway(sdl, { persisted_documents: { manifests: [{ file: join(dir, 'apollo.json') }, { file: join(dir, 'relay.json') }] } });
    try {
      await reloading.reloadSupergraph(`${sdl}\n# reloaded\n`);
      const stats = reloading.federation.executorStats!;
      assert.equal(stats.planCache!.size, 3, 'the new graph\'s plan cache');
      assert.deepEqual((await post(reloading.url, { documentId: 'relay-1' })).body, { data: { hello: 'world' } });
      assert.equal(stats.planCacheMisses, 0);
    } finally {
      await reloading.stop();
    }
  });

  test('executor: apollo plans on first use (its plan cache is its own) and serves them alike', async () => {
    const stock = await startTestGateway(sdl, { executor: 'apollo', persisted_documents: { manifests: [{ file: join(dir, 'relay.json') }] } });
    try {
      assert.deepEqual((await post(stock.url, { documentId: 'relay-1' })).body, { data: { hello: 'world' } });
    } finally {
      await stock.stop();
    }
  });

  test('plan_wait_ms 0: start-up does not wait for planning, which completes in the background', async () => {
    const background = await startTestGateway(sdl, {
      persisted_documents: { plan_wait_ms: 0, manifests: [{ file: join(dir, 'apollo.json') }, { file: join(dir, 'relay.json') }] },
    });
    try {
      const stats = background.federation.executorStats!;
      for (let turn = 0; stats.planCache!.size < 3 && turn < 1000; turn++) await new Promise((resolve) => setImmediate(resolve));
      assert.equal(stats.planCache!.size, 3);
    } finally {
      await background.stop();
    }
  });

  test('more documents than max_documents over all manifests fails start-up', async () => {
    await assert.rejects(
      startTestGateway(sdl, { persisted_documents: { max_documents: 2, manifests: [{ file: join(dir, 'apollo.json') }, { file: join(dir, 'relay.json') }] } }),
      /persisted_documents\.manifests\[1\]\.file: .*3 trusted documents, more than persisted_documents\.max_documents \(2\)/,
    );
  });
});
