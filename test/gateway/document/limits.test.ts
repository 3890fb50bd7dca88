// Issue 10: stage 4's document limits (depth, height, aliases, root fields, directives per field),
// each at and over its bound, fragments expanded, per client profile; a refused operation calls no
// subgraph and leaves the quota untouched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../../../gateway/src/config/load.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { apiKeysFor } from '../quota/helpers.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { me: User hello: String now: String user(id: ID!): User }
  type User @key(fields: "id") { id: ID! friend: User f1: String f2: String f3: String f4: String f5: String f6: String f7: String f8: String }`;

const user = (id: string): Record<string, unknown> => ({
  id,
  friend: { id: `${id}+` },
  ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`f${i + 1}`, `v${i + 1}`])),
});

/** The limits of this suite: small, so "at" and "over" are short documents. */
const LIMITS = { max_depth: 4, max_height: 8, max_aliases: 3, max_root_fields: 3, max_directives_per_field: 1 };

const aliases = (n: number, field = 'f1') => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');
const fields = (n: number) => Array.from({ length: n }, (_, i) => `f${i + 1}`).join(' ');

/** [limit, code, a document at the bound (runs), one over it (refused)] */
const CASES: Array<[string, string, string, string]> = [
  ['max_depth', 'MAX_DEPTH_LIMIT', '{ me { friend { friend { id } } } }', '{ me { friend { friend { friend { id } } } } }'],
  [
    'max_depth through fragments',
    'MAX_DEPTH_LIMIT',
    'query { me { ...A } } fragment A on User { friend { ...B } } fragment B on User { friend { id } }',
    'query { me { ...A } } fragment A on User { friend { ...B } } fragment B on User { friend { friend { id } } }',
  ],
  // Query.me + 7 User fields = 8 unique; an alias of a field already selected adds nothing.
  ['max_height', 'MAX_HEIGHT_LIMIT', `{ me { ${fields(7)} x: f1 } }`, `{ me { ${fields(8)} } }`],
  ['max_height through fragments', 'MAX_HEIGHT_LIMIT', `query { me { ...F } } fragment F on User { ${fields(7)} }`, `query { me { ...F id } } fragment F on User { ${fields(7)} }`],
  ['max_aliases', 'MAX_ALIASES_LIMIT', `{ me { ${aliases(3)} } }`, `{ me { ${aliases(4)} } }`],
  // A fragment used twice counts its aliases twice.
  ['max_aliases through fragments', 'MAX_ALIASES_LIMIT', 'query { me { ...F } user(id: "u2") { x: id } } fragment F on User { a: f1 b: f2 }', 'query { me { ...F } user(id: "u2") { ...F } } fragment F on User { a: f1 b: f2 }'],
  ['max_root_fields', 'MAX_ROOT_FIELDS_LIMIT', '{ hello now me { id } }', '{ hello now me { id } user(id: "u2") { id } }'],
  ['max_root_fields through fragments', 'MAX_ROOT_FIELDS_LIMIT', 'query { ...Q hello } fragment Q on Query { now me { id } }', 'query { ...Q ...Q } fragment Q on Query { hello now }'],
  ['max_directives_per_field', 'MAX_DIRECTIVES_LIMIT', '{ hello @include(if: true) }', '{ hello @include(if: true) @skip(if: false) }'],
];

describe('document limits (stage 4)', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let defaults: RunningGateway;
  const { keys, config: apiKeys } = apiKeysFor([{ clientId: 'app' }, { clientId: 'partner', profile: 'partner' }]);

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, {
      Query: { me: () => user('u1'), hello: () => 'world', now: () => 'today', user: (_s, args: any) => user(args.id) },
      User: { __resolveReference: (ref: any) => user(ref.id) },
    });
    const sdl = composeForTest([{ name: 'users', routingUrl: subgraph.url, sdl: SDL }]);
    gateway = await startTestGateway(sdl, {
      authentication: { api_keys: apiKeys },
      limits: { ...LIMITS, profiles: { partner: { max_aliases: 10, max_depth: 6 } } },
      // A slow refill (one unit per 86 s): a slow run must not refill a unit between two readings.
      quotas: { rules: [{ key: ['client'], requests: { limit: 1000, window_s: 86_400 } }] },
    });
    defaults = await startTestGateway(sdl);
  });

  after(async () => {
    await gateway.stop();
    await defaults.stop();
    await subgraph.stop();
  });

  /** The app client's quota left: each call takes one unit. */
  async function remaining(): Promise<number> {
    const admitted = await postGraphQL(gateway.url, { query: '{ hello }' }, { 'x-api-key': keys['app']! });
    assert.equal(admitted.status, 200);
    return Number(admitted.headers.get('x-ratelimit-remaining'));
  }

  for (const [limit, code, at, over] of CASES) {
    test(`${limit}: at the bound runs`, async () => {
      const result = await postGraphQL(gateway.url, { query: at }, { 'x-api-key': keys['app']! });
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.equal(result.body.errors, undefined, JSON.stringify(result.body));
      assert.ok(result.body.data);
    });

    test(`${limit}: over it → 400 ${code}, no subgraph call, quota untouched`, async () => {
      const before = await remaining();
      const calls = subgraph.received.length;
      // Both media types: a limit is the gateway's refusal, 400 under application/json too.
      for (const accept of ['application/json', 'application/graphql-response+json']) {
        const result = await postGraphQL(gateway.url, { query: over }, { 'x-api-key': keys['app']!, accept });
        assert.equal(result.status, 400);
        assert.equal(result.body.errors.length, 1);
        assert.equal(result.body.errors[0].extensions.code, code);
        assert.match(result.body.errors[0].message, new RegExp(`limits\\.${limit.split(' ')[0]}`));
        assert.equal(result.headers.get('x-ratelimit-remaining'), null);
      }
      assert.equal(subgraph.received.length, calls, 'no subgraph was called');
      assert.equal(await remaining(), before - 1, 'the refused requests took no quota');
    });
  }

  test('a profile with its own limits: partner may send 4 aliases and depth 5, app and anonymous may not', async () => {
    const wide = `{ me { ${aliases(4)} friend { friend { friend { friend { id } } } } } }`;
    const partner = await postGraphQL(gateway.url, { query: wide }, { 'x-api-key': keys['partner']! });
    assert.equal(partner.status, 200, JSON.stringify(partner.body));
    assert.equal(partner.body.data.me.a3, 'v1');
    const app = await postGraphQL(gateway.url, { query: wide }, { 'x-api-key': keys['app']! });
    assert.equal(app.body.errors[0].extensions.code, 'MAX_DEPTH_LIMIT');
    const anonymous = await postGraphQL(gateway.url, { query: `{ me { ${aliases(4)} } }` });
    assert.equal(anonymous.body.errors[0].extensions.code, 'MAX_ALIASES_LIMIT');
    // The partner's other limits are the defaults: root fields still 3.
    const roots = await postGraphQL(gateway.url, { query: '{ hello now me { id } user(id: "u2") { id } }' }, { 'x-api-key': keys['partner']! });
    assert.equal(roots.body.errors[0].extensions.code, 'MAX_ROOT_FIELDS_LIMIT');
  });

  test('measured once per document: a repeated refused document is not parsed again', async () => {
    const document = gateway.stages.graph!.document;
    const query = `query Again${Date.now()} { me { ${aliases(5)} } }`;
    const before = document.stats();
    for (let i = 0; i < 3; i++) assert.equal((await postGraphQL(gateway.url, { query })).body.errors[0].extensions.code, 'MAX_ALIASES_LIMIT');
    const after = document.stats();
    assert.equal(after.parses - before.parses, 1);
    assert.equal(after.cacheHits - before.cacheHits, 2);
  });

  test('a fragment bomb (each fragment spreading the next twice) is measured without expanding it', async () => {
    // 2^20 uses of F20's alias: counted as a number, not by walking a million copies.
    const fragments = Array.from({ length: 20 }, (_, i) => `fragment F${i} on User { ...F${i + 1} ...F${i + 1} }`).join(' ');
    const query = `query { me { ...F0 } } ${fragments} fragment F20 on User { a: f1 }`;
    const result = await postGraphQL(gateway.url, { query }, { 'x-api-key': keys['partner']! });
    assert.equal(result.body.errors[0].extensions.code, 'MAX_ALIASES_LIMIT');
    assert.match(result.body.errors[0].message, /1048576 aliases/);
  });

  describe('defaults', () => {
    test('the documented default values', () => {
      const { limits } = defaultConfig({ supergraph: { file: 'x.graphql' } });
      assert.deepEqual(
        { max_depth: limits.max_depth, max_height: limits.max_height, max_aliases: limits.max_aliases, max_root_fields: limits.max_root_fields, max_directives_per_field: limits.max_directives_per_field },
        { max_depth: 25, max_height: 200, max_aliases: 30, max_root_fields: 20, max_directives_per_field: 10 },
      );
    });

    test('the 700-alias request of the report is refused with no subgraph call', async () => {
      const calls = subgraph.received.length;
      const result = await postGraphQL(defaults.url, { query: `{ ${Array.from({ length: 700 }, (_, i) => `u${i}: user(id: "${i}") { friend { f1 } }`).join(' ')} }` });
      assert.equal(result.status, 400);
      assert.equal(result.body.errors[0].extensions.code, 'MAX_ALIASES_LIMIT');
      assert.equal(subgraph.received.length, calls);
    });

    test('30 aliases, 20 root fields, depth 25 run under the defaults', async () => {
      const deep = `{ me { ${'friend { '.repeat(23)}id${' }'.repeat(23)} } }`;
      const result = await postGraphQL(defaults.url, { query: deep });
      assert.equal(result.body.errors?.[0]?.extensions?.code === 'MAX_DEPTH_LIMIT', false, JSON.stringify(result.body).slice(0, 300));
      const over = await postGraphQL(defaults.url, { query: `{ me { ${'friend { '.repeat(24)}id${' }'.repeat(24)} } }` });
      assert.equal(over.body.errors[0].extensions.code, 'MAX_DEPTH_LIMIT');
      const roots = await postGraphQL(defaults.url, { query: `{ ${aliases(20, 'hello')} }` });
      assert.equal(roots.status, 200);
      assert.equal(roots.body.data.a19, 'world');
      const tooMany = await postGraphQL(defaults.url, { query: `{ ${aliases(21, 'hello')} }` });
      assert.equal(tooMany.body.errors[0].extensions.code, 'MAX_ROOT_FIELDS_LIMIT');
      const thirty = await postGraphQL(defaults.url, { query: `{ me { ${aliases(30)} } }` });
      assert.equal(thirty.body.data.me.a29, 'v1');
    });
  });
});
