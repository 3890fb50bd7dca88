// The plan, document and persisted-query caches of a running gateway are bounded in bytes as well
// as entries (`memory.<cache>.max_mb`): past the byte bound the least recently used go first, and
// what they hold is exported (tollgate_cache_entries / tollgate_cache_bytes).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';

const SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"]) type Query { hello: String }';
const MB = 2 ** 20;
/** Room for a few entries of `query Qn { hello }` each (a plan ~5 KB, a document ~3 KB, as estimated). */
const PLANS_MB = 0.02;
const DOCUMENTS_MB = 0.01;
const QUERIES_MB = 0.0005;

let subgraph: FixtureSubgraph;
let gateway: RunningGateway;
before(async () => {
  subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' } });
  gateway = await startTestGateway(composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]), {
    memory: { plan_cache: { max_mb: PLANS_MB }, document_cache: { max_mb: DOCUMENTS_MB }, persisted_query_cache: { max_mb: QUERIES_MB } },
  });
});
after(async () => {
  await gateway?.stop();
  await subgraph?.stop();
});

const query = (n: number) => `query Q${n} { hello }`;

test('plans and documents past their byte bound: the oldest go, the latest stay', async () => {
  for (let n = 0; n < 12; n++) assert.deepEqual((await postGraphQL(gateway.url, { query: query(n) })).body, { data: { hello: 'world' } });
  const plans = gateway.federation.executorStats!.planCache!;
  const documents = gateway.stages.graph!.document;
  assert.ok(plans.size > 0 && plans.size < 12, `plans kept: ${plans.size} of 12 (1000 entries allowed)`);
  assert.ok(plans.bytes <= PLANS_MB * MB, `plan bytes ${plans.bytes}`);
  assert.ok(documents.cacheUsage().size > 0 && documents.cacheUsage().size < 12, `documents kept: ${documents.cacheUsage().size}`);
  assert.ok(documents.cacheUsage().bytes <= DOCUMENTS_MB * MB);

  const stats = () => ({ ...gateway.federation.executorStats!, parses: documents.stats().parses });
  const before = stats();
  await postGraphQL(gateway.url, { query: query(11) });
  assert.deepEqual([stats().planCacheHits - before.planCacheHits, stats().parses - before.parses], [1, 0], 'the latest is still cached');
  await postGraphQL(gateway.url, { query: query(0) });
  assert.deepEqual([stats().planCacheMisses - before.planCacheMisses, stats().parses - before.parses], [1, 1], 'the first was dropped');

  const metrics = await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text();
  assert.match(metrics, new RegExp(`^tollgate_cache_entries\\{cache="plans"\\} ${plans.size}$`, 'm'));
  assert.match(metrics, new RegExp(`^tollgate_cache_bytes\\{cache="plans"\\} ${plans.bytes}$`, 'm'));
});

test('persisted queries past their byte bound: an old hash is not found again, the client re-sends it', async () => {
  const register = async (n: number) => {
    const text = `query P${n} { hello }`;
    const sha256Hash = createHash('sha256').update(text).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    assert.equal((await postGraphQL(gateway.url, { query: text, extensions } as never)).status, 200);
    return extensions;
  };
  const first = await register(0);
  for (let n = 1; n < 6; n++) await register(n);
  const last = await register(6);
  assert.deepEqual((await postGraphQL(gateway.url, { extensions: last } as never)).body, { data: { hello: 'world' } });
  const gone = await postGraphQL(gateway.url, { extensions: first } as never);
  assert.equal(gone.body.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
});
