// Issue 15 part 2: trusted documents published to Redis with `tollgate operations publish` reach
// running gateways without a restart (pub/sub, and the poll for what a subscription missed);
// versions are kept per client; a bad or conflicting manifest is refused by the CLI with nothing
// written. Real Redis (REDIS_URL), a key prefix of this test's own.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { manifestText, publishVersion, versionsKey, clientsKey, idsKey } from '../../../gateway/src/document/published-manifests.ts';
import { runOperationsCommand } from '../../../gateway/src/operations-command.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, startTestGateway } from '../../support/gateway.ts';
import { connectTestRedis, deletePrefix, keysUnder, REDIS_URL, uniquePrefix } from '../../support/redis.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello: String greet(name: String!): String }`;
const HELLO = 'query Hello { hello }';
const GREET = 'query Greet($name: String!) { greet(name: $name) }';

const run = promisify(execFile);

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

/** Polls until the gateway runs `documentId` (a published version arrives asynchronously). */
async function eventuallyRuns(gateway: RunningGateway, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<any> {
  const until = Date.now() + 15_000;
  for (;;) {
    const result = await post(gateway.url, body, headers);
    if (result.status === 200) return result.body;
    assert.equal(result.body.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    if (Date.now() > until) assert.fail(`${JSON.stringify(body)} never became runnable`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('manifests published to Redis', () => {
  const prefix = uniquePrefix('published-manifests');
  let redis: Redis;
  let subgraph: FixtureSubgraph;
  let sdl: string;
  let dir: string;
  let configFile: string;
  const gateways: RunningGateway[] = [];
  let a: RunningGateway;
  let b: RunningGateway;

  const start = (pollIntervalMs = 600_000) =>
    startTestGateway(sdl, {
      redis: { url: REDIS_URL, key_prefix: prefix },
      persisted_documents: { redis: { enabled: true, poll_interval_ms: pollIntervalMs } },
      clients: { profiles: { mobile: { persisted_only: true, client_names: ['ios-app'] } } },
    }).then((gateway) => {
      gateways.push(gateway);
      return gateway;
    });

  /** `tollgate operations publish` as a user runs it. */
  async function publish(manifest: unknown, client = 'ios'): Promise<{ code: number; stdout: string; stderr: string }> {
    const file = join(dir, `manifest-${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
    try {
      const { stdout, stderr } = await run(process.execPath, ['bin/tollgate.mjs', 'operations', 'publish', '--manifest', file, '--client', client, '--config', configFile]);
      return { code: 0, stdout, stderr };
    } catch (error: any) {
      return { code: error.code, stdout: error.stdout, stderr: error.stderr.replaceAll(file, 'FILE') };
    }
  }

  before(async () => {
    redis = connectTestRedis();
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world', greet: (_s, args: any) => `hi ${args.name}` } });
    sdl = composeForTest([{ name: 'greetings', routingUrl: subgraph.url, sdl: SDL }]);
    dir = await mkdtemp(join(tmpdir(), 'tollgate-publish-'));
    configFile = join(dir, 'gateway.yaml');
    await writeFile(join(dir, 'supergraph.graphql'), sdl);
    await writeFile(configFile, `supergraph: { file: supergraph.graphql }\nredis: { url: "${REDIS_URL}", key_prefix: "${prefix}" }\n`);
    a = await start();
    b = await start();
  });

  after(async () => {
    for (const gateway of gateways) await gateway.stop();
    await subgraph.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  test('a published manifest reaches both running instances without a restart, parsed and validated', async () => {
    for (const gateway of [a, b]) assert.equal((await post(gateway.url, { documentId: 'hello-1' })).status, 400);
    const misses = [a, b].map((gateway) => gateway.federation.executorStats!.planCacheMisses);
    const published = await publish({ 'hello-1': HELLO });
    assert.deepEqual(published, { code: 0, stdout: 'published 1 operations (1 new) for client ios as version 1\n', stderr: '' });
    for (const gateway of [a, b]) {
      assert.deepEqual(await eventuallyRuns(gateway, { documentId: 'hello-1' }, { 'apollographql-client-name': 'ios-app' }), { data: { hello: 'world' } });
    }
    // Planned when it arrived: its first request found the plan cached.
    assert.deepEqual([a, b].map((gateway) => gateway.federation.executorStats!.planCacheMisses), misses);
    // Warmed when it arrived: running it again parses nothing.
    const parses = b.stages.graph!.document.stats().parses;
    await post(b.url, { documentId: 'hello-1' });
    assert.equal(b.stages.graph!.document.stats().parses, parses);
  });

  test('versions accumulate per client: a new release adds its operations, the old ids stay', async () => {
    const manifest = { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'hello-1', name: 'Hello', type: 'query', body: HELLO }, { id: 'greet-2', name: 'Greet', type: 'query', body: GREET }] };
    assert.equal((await publish(manifest)).stdout, 'published 2 operations (1 new) for client ios as version 2\n');
    assert.equal((await publish({ 'web-hello': HELLO }, 'web')).stdout, 'published 1 operations (1 new) for client web as version 1\n');
    for (const gateway of [a, b]) {
      assert.deepEqual(await eventuallyRuns(gateway, { documentId: 'greet-2', variables: { name: 'ann' } }), { data: { greet: 'hi ann' } });
      assert.deepEqual(await eventuallyRuns(gateway, { documentId: 'web-hello' }), { data: { hello: 'world' } });
      assert.deepEqual((await post(gateway.url, { documentId: 'hello-1' })).body, { data: { hello: 'world' } });
    }
    assert.deepEqual(Object.keys(await redis.hgetall(versionsKey(prefix, 'ios'))), ['1', '2']);
  });

  test('the CLI refuses a bad or conflicting manifest and writes nothing', async () => {
    const keys = (await keysUnder(redis, prefix)).sort();
    const before = await redis.hgetall(versionsKey(prefix, 'ios'));
    const broken = await publish({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'x', name: 'Broken', body: 'query Broken {' }] });
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^tollgate operations publish: 1 of 1 operations would be refused .*; nothing was published:\n  - FILE operations\[0\] \(Broken\): body does not parse: Syntax Error: .*\n$/);
    const conflict = await publish({ 'hello-1': '{ hello }' });
    assert.equal(conflict.code, 1);
    assert.equal(conflict.stderr, 'tollgate operations publish: FILE "hello-1": id hello-1 is already in redis client ios version 1 with another body; nothing was published\n');
    const usage = await publish({ a: HELLO }, 'bad name');
    assert.equal(usage.code, 2);
    assert.deepEqual((await keysUnder(redis, prefix)).sort(), keys);
    assert.deepEqual(await redis.hgetall(versionsKey(prefix, 'ios')), before);
  });

  test('an instance started later loads every published version at start-up', async () => {
    const late = await start();
    assert.deepEqual((await post(late.url, { documentId: 'greet-2', variables: { name: 'bo' } })).body, { data: { greet: 'hi bo' } });
    assert.deepEqual((await post(late.url, { documentId: 'web-hello' })).body, { data: { hello: 'world' } });
  });

  test('the poll catches a version whose announcement was missed', async () => {
    const polling = await start(100);
    // Written as publish writes it, but without the pub/sub message.
    await redis.sadd(clientsKey(prefix), 'android');
    await redis.hset(versionsKey(prefix, 'android'), '1', manifestText([{ id: 'android-1', body: 'query AndroidHello { hello }', where: '' }]));
    assert.deepEqual(await eventuallyRuns(polling, { documentId: 'android-1' }), { data: { hello: 'world' } });
  });
});

/** `operations publish` in this process (as the CLI runs it) with a manifest written to `dir`, its output captured. */
async function publishIn(dir: string, config: string, manifest: unknown, client: string, extra: string[] = []) {
  const file = join(dir, `manifest-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(manifest));
  let stdout = '';
  let stderr = '';
  const code = await runOperationsCommand(['publish', '--manifest', file, '--client', client, '--config', config, ...extra], {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  });
  return { code, stdout, stderr: stderr.replaceAll(file, 'FILE') };
}

describe('tollgate operations publish: schema check and one atomic check-and-write', () => {
  const prefix = uniquePrefix('publish-command');
  let redis: Redis;
  let dir: string;
  let config: string;
  let other: string;
  const ANOTHER_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Query { hello: String goodbye: String }`;

  const publish = (manifest: unknown, client: string, extra: string[] = []) => publishIn(dir, config, manifest, client, extra);

  before(async () => {
    redis = connectTestRedis();
    dir = await mkdtemp(join(tmpdir(), 'tollgate-publish-command-'));
    await writeFile(join(dir, 'supergraph.graphql'), composeForTest([{ name: 'greetings', routingUrl: 'http://127.0.0.1:1/graphql', sdl: SDL }]));
    other = join(dir, 'other.graphql');
    await writeFile(other, composeForTest([{ name: 'greetings', routingUrl: 'http://127.0.0.1:1/graphql', sdl: ANOTHER_SDL }]));
    config = join(dir, 'gateway.yaml');
    await writeFile(config, `supergraph: { file: supergraph.graphql }\nredis: { url: "${REDIS_URL}", key_prefix: "${prefix}" }\npersisted_documents: { max_documents: 5 }\n`);
  });

  after(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  test('an operation that does not validate against the supergraph is refused, named with its error; nothing is written', async () => {
    const manifest = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [
        { id: 'ok-1', name: 'Hello', type: 'query', body: HELLO },
        { id: 'bye-1', name: 'Bye', type: 'query', body: 'query Bye { goodbye }' },
        { id: 'greet-x', name: 'GreetTypo', type: 'query', body: 'query GreetTypo { greet(nam: "x") }' },
      ],
    };
    const refused = await publish(manifest, 'web');
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'tollgate operations publish: 2 of 3 operations would be refused by a gateway of this config (supergraph.file: supergraph.graphql; client profile default); nothing was published:\n' +
        '  - FILE operations[1] (Bye): Cannot query field "goodbye" on type "Query".\n' +
        '  - FILE operations[2] (GreetTypo): Unknown argument "nam" on field "Query.greet". Did you mean "name"?\n',
    );
    assert.deepEqual(await keysUnder(redis, prefix), []);
  });

  test('--supergraph validates against another supergraph SDL', async () => {
    const published = await publish({ 'bye-1': 'query Bye { goodbye }' }, 'web', ['--supergraph', other]);
    assert.deepEqual(published, { code: 0, stdout: 'published 1 operations (1 new) for client web as version 1\n', stderr: '' });
    const missing = await publish({ 'bye-2': 'query Bye2 { goodbye }' }, 'web', ['--supergraph', join(dir, 'missing.graphql')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^tollgate operations publish: --supergraph: cannot read .*missing\.graphql: ENOENT; nothing was published\n$/);
  });

  test('concurrent publishes of one id with different bodies: exactly one wins', async () => {
    const bodies = ['query RaceA { hello }', 'query RaceB { hello }', 'query RaceC { hello }', 'query RaceD { hello }', 'query RaceE { hello }', 'query RaceF { hello }'];
    const results = await Promise.all(bodies.map((body, i) => publish({ 'race-1': body }, `racer-${i}`)));
    const winners = results.filter((result) => result.code === 0);
    assert.equal(winners.length, 1, JSON.stringify(results));
    const winner = results.indexOf(winners[0]!);
    for (const [i, result] of results.entries()) {
      if (i === winner) continue;
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `tollgate operations publish: FILE "race-1": id race-1 is already in redis client racer-${winner} version 1 with another body; nothing was published\n`);
    }
    // One version in all, and the index names the winner's body.
    const versions = await Promise.all(bodies.map((_, i) => redis.hlen(versionsKey(prefix, `racer-${i}`))));
    assert.deepEqual(versions, bodies.map((_, i) => (i === winner ? 1 : 0)));
    const [hash] = ((await redis.hget(idsKey(prefix), 'race-1')) ?? '').split(' ');
    assert.equal(hash, createHash('sha256').update(bodies[winner]!).digest('hex'));
  });

  test('the script itself: racing check-and-writes from separate connections, exactly one wins', async () => {
    const connections = Array.from({ length: 8 }, () => connectTestRedis());
    try {
      const outcomes = await Promise.all(
        connections.map((connection, i) => publishVersion(connection, prefix, `direct-${i}`, [{ id: 'race-2', body: `query Direct${i} { hello }`, where: `m${i}.json` }], 100, `m${i}.json`)),
      );
      assert.equal(outcomes.filter((outcome) => outcome.published).length, 1);
      const winner = outcomes.findIndex((outcome) => outcome.published);
      for (const outcome of outcomes) {
        if (outcome.published) continue;
        assert.ok('refusal' in outcome);
        assert.match(outcome.refusal.message, new RegExp(`^m\\d\\.json: id race-2 is already in redis client direct-${winner} version 1 with another body$`));
      }
    } finally {
      for (const connection of connections) connection.disconnect();
    }
  });

  test('the same id with the same body is no conflict; max_documents counts every id published, checked in the same script', async () => {
    const again = await publish({ 'bye-1': 'query Bye { goodbye }', 'hello-2': HELLO }, 'android', ['--supergraph', other]);
    assert.equal(again.stdout, 'published 2 operations (1 new) for client android as version 1\n');
    // bye-1, race-1, race-2, hello-2 published: one more fits max_documents 5, two do not.
    const tooMany = await publish({ 'x-1': HELLO, 'x-2': GREET }, 'android');
    assert.equal(tooMany.code, 1);
    assert.equal(tooMany.stderr, 'tollgate operations publish: FILE: 6 trusted documents, more than persisted_documents.max_documents (5); nothing was published\n');
    assert.equal(await redis.hlen(versionsKey(prefix, 'android')), 1);
    assert.equal((await publish({ 'x-1': HELLO }, 'android')).code, 0);
  });
});

describe('tollgate operations publish refuses what every gateway of the config would refuse', () => {
  const prefix = uniquePrefix('publish-checks');
  const ITEMS_SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Query { hello: String items: [Item] }
    type Item { id: ID }`;
  const FILE_BODY = 'query Home { hello }';
  let redis: Redis;
  let dir: string;
  let config: string;

  const publish = (manifest: unknown, client: string) => publishIn(dir, config, manifest, client);

  const aliases = (n: number) => `query Many { ${Array.from({ length: n }, (_, i) => `a${i}: hello`).join(' ')} }`;

  before(async () => {
    redis = connectTestRedis();
    dir = await mkdtemp(join(tmpdir(), 'tollgate-publish-checks-'));
    await writeFile(join(dir, 'supergraph.graphql'), composeForTest([{ name: 'items', routingUrl: 'http://127.0.0.1:1/graphql', sdl: ITEMS_SDL }]));
    await writeFile(join(dir, 'home.json'), JSON.stringify({ 'home-1': FILE_BODY }));
    config = join(dir, 'gateway.yaml');
    await writeFile(
      config,
      [
        'supergraph: { file: supergraph.graphql }',
        `redis: { url: "${REDIS_URL}", key_prefix: "${prefix}" }`,
        'limits: { max_aliases: 30 }',
        'clients: { profiles: { mobile: { client_names: [ios], limits: { max_aliases: 3 }, max_cost: 20 } } }',
        'demand_control: { enabled: true, mode: enforce, strategy: { static_estimated: { max: 5 } } }',
        'persisted_documents: { max_documents: 4, manifests: [{ file: home.json }] }',
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  test('an id a manifest file of the config holds with another body: refused naming the id and the file, the other operations not written either', async () => {
    const refused = await publish({ 'home-1': 'query Other { hello }', 'innocent-1': 'query Innocent { hello }' }, 'ios');
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'tollgate operations publish: 1 of 2 operations would be refused by a gateway of this config (supergraph.file: supergraph.graphql; client profile mobile); nothing was published:\n' +
        '  - FILE "home-1": id home-1 is already in persisted_documents.manifests (home.json "home-1") with another body\n',
    );
    assert.deepEqual(await keysUnder(redis, prefix), []);
    // The same id with the file's body is the same document.
    assert.equal((await publish({ 'home-1': FILE_BODY }, 'ios')).code, 0);
  });

  test('document limits of the profile the client name picks (else default), as stage 4 checks them', async () => {
    const web = await publish({ 'many-40': aliases(40) }, 'web');
    assert.equal(web.code, 1);
    assert.match(web.stderr, /client profile default\); nothing was published:\n  - FILE "many-40": The operation has 40 aliases; the limit is 30 \(limits\.max_aliases\)\.\n$/);
    const ios = await publish({ 'many-5': aliases(5) }, 'ios');
    assert.equal(ios.code, 1);
    assert.match(ios.stderr, /client profile mobile\); nothing was published:\n  - FILE "many-5": The operation has 5 aliases; the limit is 3 \(limits\.max_aliases\)\.\n$/);
    assert.equal((await publish({ 'many-5': aliases(5) }, 'web')).code, 0);
  });

  test('demand control enforced: an estimate over the profile\'s max_cost (else demand_control\'s max) is refused', async () => {
    const items = 'query Items { items { id } }'; // 10 items (list_size) of 1: cost 10
    const web = await publish({ 'items-1': items }, 'web');
    assert.equal(web.code, 1);
    assert.match(web.stderr, /  - FILE "items-1": Query estimated cost 10 exceeded configured maximum 5\n$/);
    const ios = await publish({ 'items-1': items }, 'ios'); // mobile's max_cost 20
    assert.equal(ios.code, 0, ios.stderr);
  });

  test('every failing operation is named in one run: one that does not parse and one that does not validate', async () => {
    const refused = await publish({ 'broken-1': 'query Broken {', 'typo-1': 'query Typo { helo }', 'fine-1': 'query Fine { hello }' }, 'web');
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'tollgate operations publish: 2 of 3 operations would be refused by a gateway of this config (supergraph.file: supergraph.graphql; client profile default); nothing was published:\n' +
        '  - FILE "broken-1": body does not parse: Syntax Error: Expected Name, found <EOF>.\n' +
        '  - FILE "typo-1": Cannot query field "helo" on type "Query". Did you mean "hello"?\n',
    );
  });

  test('max_documents counts the config\'s manifest files too', async () => {
    // Published so far: home-1 (also the file's: counted once), many-5, items-1: 3 of 4.
    const tooMany = await publish({ 'x-1': 'query X1 { hello }', 'x-2': 'query X2 { hello }' }, 'web');
    assert.equal(tooMany.code, 1);
    assert.equal(tooMany.stderr, 'tollgate operations publish: FILE: 5 trusted documents, more than persisted_documents.max_documents (4); nothing was published\n');
    assert.equal((await publish({ 'x-1': 'query X1 { hello }' }, 'web')).code, 0);
    // A file id not published counts: with home-1 gone from Redis, files + published would be 5.
    await redis.hdel(idsKey(prefix), 'home-1');
    const overFiles = await publish({ 'x-3': 'query X3 { hello }' }, 'web');
    assert.equal(overFiles.stderr, 'tollgate operations publish: FILE: 5 trusted documents, more than persisted_documents.max_documents (4); nothing was published\n');
  });
});

describe('one id, one spelling: sha256:<hex> and <hex> name one document in files, publishes, Redis and requests', () => {
  const prefix = uniquePrefix('published-spelling');
  const HOME = 'query Home { hello }';
  const EVIL = 'query Evil { greet(name: "mallory") }';
  const NEXT = 'query Next { hello }';
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const hex = sha256(HOME);
  let redis: Redis;
  let subgraph: FixtureSubgraph;
  let sdl: string;
  let dir: string;
  let config: string;
  let gateway: RunningGateway;
  const gateways: RunningGateway[] = [];

  const publish = (manifest: unknown, client: string) => publishIn(dir, config, manifest, client);
  const start = async () => {
    const started = await startTestGateway(sdl, {
      redis: { url: REDIS_URL, key_prefix: prefix },
      persisted_documents: { manifests: [{ file: join(dir, 'home.json') }], redis: { enabled: true, poll_interval_ms: 600_000 } },
      rest_endpoints: { endpoints: { '/api/home': { document_id: `sha256:${hex}` } } },
    });
    gateways.push(started);
    return started;
  };
  /** What the gateway serves for the file's document: by either spelling, by APQ hash, and on its REST endpoint. */
  const served = async (target: RunningGateway) => [
    (await post(target.url, { documentId: hex })).body,
    (await post(target.url, { documentId: `sha256:${hex}` })).body,
    (await post(target.url, { extensions: { persistedQuery: { version: 1, sha256Hash: hex } } })).body,
    await (await fetch(new URL('/api/home', target.url))).json(),
  ];
  const HOME_SERVED = [{ data: { hello: 'world' } }, { data: { hello: 'world' } }, { data: { hello: 'world' } }, { hello: 'world' }];

  before(async () => {
    redis = connectTestRedis();
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world', greet: (_s, args: any) => `hi ${args.name}` } });
    sdl = composeForTest([{ name: 'greetings', routingUrl: subgraph.url, sdl: SDL }]);
    dir = await mkdtemp(join(tmpdir(), 'tollgate-publish-spelling-'));
    await writeFile(join(dir, 'supergraph.graphql'), sdl);
    await writeFile(join(dir, 'home.json'), JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: hex, name: 'Home', type: 'query', body: HOME }] }));
    config = join(dir, 'gateway.yaml');
    await writeFile(config, `supergraph: { file: supergraph.graphql }\nredis: { url: "${REDIS_URL}", key_prefix: "${prefix}" }\npersisted_documents: { manifests: [{ file: home.json }] }\n`);
    gateway = await start();
  });

  after(async () => {
    for (const started of gateways) await started.stop();
    await subgraph.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  test('publishing another body as sha256:<the file document\'s hex>: refused, named, nothing written', async () => {
    assert.deepEqual(await served(gateway), HOME_SERVED);
    const refused = await publish({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: `sha256:${hex}`, name: 'HomeScreen', type: 'query', body: EVIL }] }, 'ios');
    assert.deepEqual(refused, {
      code: 1,
      stdout: '',
      stderr:
        'tollgate operations publish: 1 of 1 operations would be refused by a gateway of this config (supergraph.file: supergraph.graphql; client profile default); nothing was published:\n' +
        `  - FILE operations[0] (HomeScreen): id sha256:${hex} has the form of a SHA-256 but the body's SHA-256 is ${sha256(EVIL)}\n`,
    });
    // The bare spelling, and a Relay map, alike.
    const bare = await publish({ [hex]: EVIL }, 'ios');
    assert.equal(bare.code, 1);
    assert.match(bare.stderr, new RegExp(`  - FILE "${hex}": id ${hex} has the form of a SHA-256 but the body's SHA-256 is ${sha256(EVIL)}\\n$`));
    assert.deepEqual(await keysUnder(redis, prefix), []);
  });

  test('a version in Redis that spells the file\'s id the other way with another body (written past publish) is refused by running and new gateways', async () => {
    // As a publish before the id rule, or a hand-written one, left it.
    await redis.sadd(clientsKey(prefix), 'old');
    await redis.hset(versionsKey(prefix, 'old'), '1', manifestText([{ id: `sha256:${hex}`, body: EVIL, where: '' }]));
    await redis.hset(versionsKey(prefix, 'old'), '2', manifestText([{ id: 'next-1', body: NEXT, where: '' }]));
    await redis.publish(`${prefix}pq:published`, 'old 2');
    // Version 2 arrived, so version 1 was read (and refused) before it.
    assert.deepEqual(await eventuallyRuns(gateway, { documentId: 'next-1' }), { data: { hello: 'world' } });
    assert.deepEqual(await served(gateway), HOME_SERVED);
    const late = await start();
    assert.deepEqual((await post(late.url, { documentId: 'next-1' })).body, { data: { hello: 'world' } });
    assert.deepEqual(await served(late), HOME_SERVED);
    assert.ok(!subgraph.received.some((request) => JSON.stringify(request).includes('mallory')));
  });

  test('the same body under either spelling is one document: published once, then nothing new (no empty version), wherever it is held', async () => {
    assert.equal((await publish({ [`sha256:${hex.toUpperCase()}`]: HOME }, 'ios')).stdout, 'published 1 operations (1 new) for client ios as version 1\n');
    assert.deepEqual(await redis.hkeys(idsKey(prefix)), [hex]);
    assert.deepEqual(await publish({ [hex]: HOME }, 'ios'), { code: 0, stdout: 'nothing new for client ios: version 1 already holds these 1 operations\n', stderr: '' });
    assert.deepEqual(await publish({ [`sha256:${hex}`]: HOME }, 'android'), { code: 0, stdout: 'nothing new for client android: client ios version 1 already holds these 1 operations\n', stderr: '' });
    assert.equal((await publish({ 'next-1': NEXT }, 'ios')).stdout, 'published 1 operations (1 new) for client ios as version 2\n');
    assert.equal((await publish({ 'next-1': NEXT, [hex]: HOME }, 'ios')).stdout, 'nothing new for client ios: version 1 and version 2 already hold these 2 operations\n');
    assert.deepEqual(Object.keys(await redis.hgetall(versionsKey(prefix, 'ios'))), ['1', '2']);
    assert.equal(await redis.exists(versionsKey(prefix, 'android')), 0);
    assert.ok(!(await redis.smembers(clientsKey(prefix))).includes('android'));
  });

  test('two published versions colliding by spelling: refused, by publish and by the script itself', async () => {
    const cli = await publish({ [`sha256:${hex}`]: EVIL }, 'web');
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /has the form of a SHA-256 but the body's SHA-256 is/);
    // The script's keys are canonical too: past the hash check, the other spelling still meets the published id.
    const direct = await publishVersion(redis, prefix, 'direct', [{ id: `sha256:${hex.toUpperCase()}`, body: EVIL, where: 'm.json "x"' }], 100, 'm.json');
    assert.ok('refusal' in direct);
    assert.equal(direct.refusal.message, `m.json "x": id ${hex} is already in redis client ios version 1 with another body`);
    assert.equal(await redis.exists(versionsKey(prefix, 'direct')), 0);
    assert.deepEqual(await served(gateway), HOME_SERVED);
  });
});
