// Issue 18: every part of the gateway that lives in Redis, on a real 3-master Redis Cluster of this
// test's own (`redis.cluster.nodes`), through real gateways on port 0:
//  - quotas: two gateways share a limit exactly, one EVALSHA per request (counted on every node);
//  - APQ (`persisted_documents.apq.store: redis`): a query registered on one gateway runs by hash
//    on the other;
//  - published manifests: `tollgate operations publish` (its {pq} script) through the cluster, and
//    both gateways load the version, told by pub/sub (their poll is an hour away);
//  - the schema registry: an admin listener writes versions with its {registry} compare-and-set
//    script, and a gateway following the registry takes a new version by pub/sub.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../../../gateway/src/config/load.ts';
import { startGateway, type RunningGateway } from '../../../gateway/src/gateway.ts';
import { runOperationsCommand } from '../../../gateway/src/operations-command.ts';
import { runPublishCommand } from '../../../gateway/src/schema/registry-command.ts';
import { eventually } from '../../support/eventually.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { OwnRedisCluster } from '../../support/redis-cluster.ts';
import { apiKeysFor } from '../quota/helpers.ts';

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const SDL = `${FED} type Query { hello: String greet(name: String!): String }`;
const SDL_V2 = `${FED} type Query { hello: String greet(name: String!): String added: String }`;
const GREET = 'query Greet($name: String!) { greet(name: $name) }';
const TOKEN = 'cluster-ci-token-0123456789';
const HOUR_MS = 3_600_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const apiKeys = apiKeysFor([{ clientId: 'mobile-app' }, { clientId: 'warm-up' }]);

describe('every Redis part on a 3-master Redis Cluster', () => {
  const prefix = 'parts:';
  let cluster: OwnRedisCluster;
  let subgraph: FixtureSubgraph;
  let dir: string;
  let supergraph: string;
  const gateways: RunningGateway[] = [];
  let a: RunningGateway;
  let b: RunningGateway;

  const redis = () => ({ cluster: { nodes: cluster.urls }, key_prefix: prefix });
  const start = async (overrides: Parameters<typeof startTestGateway>[1], source: string | { compose: string } = supergraph) => {
    const gateway = await startTestGateway(source, { redis: redis(), ...overrides });
    gateways.push(gateway);
    return gateway;
  };

  before(async () => {
    cluster = await OwnRedisCluster.start(3);
    subgraph = await startFixtureSubgraph(SDL_V2, { Query: { hello: () => 'world', greet: (_s, args: any) => `hi ${args.name}`, added: () => 'added' } });
    supergraph = composeForTest([{ name: 'greetings', routingUrl: subgraph.url, sdl: SDL }]);
    dir = await mkdtemp(join(tmpdir(), 'tollgate-cluster-parts-'));
    const shared: Parameters<typeof startTestGateway>[1] = {
      authentication: { api_keys: apiKeys.config },
      quotas: { rules: [{ key: ['client'], requests: { limit: 10, window_s: 3600 } }] },
      persisted_documents: { apq: { store: 'redis' }, redis: { enabled: true, poll_interval_ms: HOUR_MS } },
    };
    a = await start(shared);
    b = await start(shared);
  });

  after(async () => {
    for (const gateway of gateways) await gateway.stop();
    await subgraph?.stop();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('quotas: 40 concurrent requests across two gateways, a limit of 10: exactly 10 served, one EVALSHA each', async () => {
    const as = (client: string) => ({ 'x-api-key': apiKeys.keys[client]! });
    for (const gateway of [a, b]) assert.equal((await postGraphQL(gateway.url, { query: '{ hello }' }, as('warm-up'))).status, 200);
    await cluster.resetStats();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => postGraphQL((i % 2 ? a : b).url, { query: '{ hello }' }, as('mobile-app'))));
    assert.equal(results.filter((r) => r.status === 200).length, 10);
    assert.equal(results.filter((r) => r.status === 429).length, 30);
    const stats = await cluster.commandStats();
    assert.equal(stats.evalsha, 40, 'one EVALSHA per request, admitted or not');
    assert.equal(stats['evalsha:rejected'], undefined, 'no redirection');
    assert.equal(stats.eval, undefined, 'the script was loaded on every master: no NOSCRIPT fallback');
  });

  test('APQ: a query registered on one gateway runs by its hash on the other', async () => {
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(GREET) } };
    assert.deepEqual((await postGraphQL(b.url, { extensions, variables: { name: 'x' } } as never)).body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.deepEqual((await postGraphQL(a.url, { query: GREET, extensions, variables: { name: 'ann' } } as never)).body, { data: { greet: 'hi ann' } });
    // b's own memory does not hold it (its miss is remembered 2 s): it reads the text from the cluster.
    await eventually('b runs the query by its hash', async () => (await postGraphQL(b.url, { extensions, variables: { name: 'bo' } } as never)).body.data?.greet === 'hi bo');
  });

  test('published manifests: `tollgate operations publish` through the cluster reaches both gateways by pub/sub', async () => {
    const config = join(dir, 'gateway.yaml');
    await writeFile(join(dir, 'supergraph.graphql'), supergraph);
    await writeFile(config, `supergraph: { file: supergraph.graphql }\nredis: { cluster: { nodes: ${JSON.stringify(cluster.urls)} }, key_prefix: "${prefix}" }\n`);
    const manifest = join(dir, 'manifest.json');
    await writeFile(manifest, JSON.stringify({ 'greet-1': GREET }));
    let stdout = '';
    let stderr = '';
    const code = await runOperationsCommand(['publish', '--manifest', manifest, '--client', 'ios', '--config', config], {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
    });
    assert.deepEqual({ code, stdout, stderr }, { code: 0, stdout: 'published 1 operations (1 new) for client ios as version 1\n', stderr: '' });
    for (const gateway of [a, b]) {
      await eventually('the published document runs', async () => (await postGraphQL(gateway.url, { documentId: 'greet-1', variables: { name: 'cy' } } as never)).body.data?.greet === 'hi cy');
    }
  });

  test('the schema registry: versions written through an admin listener on the cluster, followed by pub/sub', async () => {
    const host = await start({ admin: { listen: '127.0.0.1:0', tokens: [{ name: 'ci', token: TOKEN, roles: ['read', 'publish'] }] } });
    const registryUrl = `http://127.0.0.1:${host.adminPort}`;
    const publish = async (sdl: string) => {
      const file = join(dir, `greetings-${Math.random().toString(36).slice(2)}.graphql`);
      await writeFile(file, sdl);
      let out = '';
      const code = await runPublishCommand(['--name', 'greetings', '--schema', file, '--routing-url', subgraph.url, '--registry', registryUrl], {
        stdout: (text) => void (out += text),
        stderr: (text) => void (out += text),
        env: { TOLLGATE_REGISTRY_TOKEN: TOKEN },
      });
      assert.equal(code, 0, out);
    };
    await publish(SDL);
    // Polls an hour apart: only the announcement (PUBLISH inside the write script, reaching every
    // node) can bring version 2 to the follower within the wait below.
    const follower = await startGateway(
      defaultConfig({
        server: { listen: '127.0.0.1:0' },
        supergraph: { registry: {}, poll_interval_ms: HOUR_MS },
        redis: redis(),
        telemetry: { logging: { level: 'silent' } },
      }),
    );
    gateways.push(follower);
    assert.deepEqual((await postGraphQL(follower.url, { query: '{ hello }' })).body, { data: { hello: 'world' } });
    assert.equal((await postGraphQL(follower.url, { query: '{ added }' })).body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED', 'version 1 has no `added`');
    await publish(SDL_V2);
    await eventually('the follower serves version 2', async () => (await postGraphQL(follower.url, { query: '{ added }' })).body.data?.added === 'added');
  });
});
