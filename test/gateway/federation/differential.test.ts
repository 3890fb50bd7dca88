// Tollgate's executor must answer exactly as @apollo/gateway's: every operation of the corpus
// goes to a gateway with `executor: apollo` and one with `executor: tollgate` over the same
// subgraphs (real servers on loopback), and the two JSON responses must be deep-equal, errors
// with their paths and extensions included. Each case also states which executor the Tollgate
// gateway must run it on (Tollgate's or the @apollo/gateway fallback), checked on its
// ExecutorStats, so a case cannot pass by silently falling back to the stock executor. The
// Tollgate gateway runs with its edge cache on (issue 19): each case is asked of it twice, and
// the second answer (from the cache wherever the demo's @cacheControl hints allow) must be the same.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { SUBGRAPH_NAMES, buildSchema, subgraphSdl } from '../../../bench/subgraphs/schemas.ts';
import { startSubgraphServer } from '../../../bench/subgraphs/server.ts';
import { startDemoBackendsAndSubgraphs } from '../../support/demo-stack.ts';
import { composeForTest, postGraphQL, startBothExecutors, type GraphQLHttpResult } from '../../support/gateway.ts';
import type { ExecutorStats, ExecutorStatsSnapshot } from '../../../gateway/src/federation/executor/executor-stats.ts';
import type { CorpusCase } from '../../fixtures/executor/corpus.ts';
import { demoCorpus } from '../../fixtures/executor/corpus-demo.ts';
import { mediaCorpus } from '../../fixtures/executor/corpus-media.ts';
import { standardCorpus } from '../../fixtures/executor/corpus-standard.ts';
import { startMediaStack, type MediaStack } from '../../fixtures/executor/media.ts';
import { stopServer } from '../../support/servers.ts';

interface Stack {
  services: Array<{ name: string; routingUrl: string; sdl: string }>;
  media?: MediaStack;
  stop(): Promise<void>;
}

const suites: Array<{ name: string; start: () => Promise<Stack>; corpus: CorpusCase[] }> = [
  {
    name: 'standard benchmark workload',
    corpus: standardCorpus,
    async start() {
      // No response cache: every request really executes in the subgraph.
      const servers = await Promise.all(SUBGRAPH_NAMES.map((name) => startSubgraphServer(buildSchema(name), { responseCache: false })));
      return {
        services: SUBGRAPH_NAMES.map((name, i) => ({ name, routingUrl: servers[i]!.url, sdl: subgraphSdl(name) })),
        stop: async () => {
          await Promise.all(servers.map(({ server }) => stopServer(server)));
        },
      };
    },
  },
  {
    name: 'demo supergraph',
    corpus: demoCorpus,
    async start() {
      const stack = await startDemoBackendsAndSubgraphs();
      return { services: stack.services, stop: () => stack.stop() };
    },
  },
  {
    name: 'media supergraph (abstract types, errors, a subgraph down)',
    corpus: mediaCorpus,
    async start() {
      const media = await startMediaStack();
      return { services: media.services, media, stop: () => media.stop() };
    },
  },
];

for (const suite of suites) {
  describe(`differential: ${suite.name}`, () => {
    let stack: Stack;
    let apollo: RunningGateway;
    let tollgate: RunningGateway;
    let stats: ExecutorStats;

    before(async () => {
      stack = await suite.start();
      ({ apollo, tollgate } = await startBothExecutors(composeForTest(stack.services), { cache: { enabled: true } }));
      assert.equal(apollo.federation.executorStats, undefined, 'the stock executor keeps no Tollgate stats');
      stats = tollgate.federation.executorStats!;
    });

    after(async () => {
      await apollo?.stop();
      await tollgate?.stop();
      await stack?.stop();
    });

    for (const c of suite.corpus) {
      test(c.name, async () => {
        const request = { query: c.query, variables: c.variables, operationName: c.operationName };
        const subgraph = c.tamper ? stack.media?.subgraphs[c.tamper.subgraph] : undefined;
        if (c.tamper) {
          assert.ok(subgraph, 'tampering needs the media supergraph');
          subgraph.tamper = c.tamper.with;
        }
        let expected: GraphQLHttpResult;
        let actual: GraphQLHttpResult;
        let ran: ExecutorStatsSnapshot;
        let again: GraphQLHttpResult;
        try {
          expected = await postGraphQL(apollo.url, request);
          const before = stats.snapshot();
          actual = await postGraphQL(tollgate.url, request);
          ran = delta(before, stats.snapshot());
          again = await postGraphQL(tollgate.url, request);
        } finally {
          if (subgraph) subgraph.tamper = undefined;
        }
        checkExpectation(c, expected.body);
        assert.equal(actual.status, expected.status);
        if (c.errorPathsCorrected) checkCorrectedErrorPaths(actual.body, expected.body, c.errorPathsCorrected);
        assert.deepEqual(comparable(actual.body, c), comparable(expected.body, c));
        assert.deepEqual(comparable(again.body, c), comparable(expected.body, c), 'asked again (edge cache warm)');
        assert.deepEqual(ran, expectedRun(c), 'the executor that ran the case');
      });
    }

    if (suite.name === 'demo supergraph') {
      test('the second asking was served from the edge cache where the hints allow', async () => {
        const lookups = await cacheLookups(tollgate);
        assert.ok((lookups['hit'] ?? 0) > 0, JSON.stringify(lookups));
      });
    }
  });
}

/** Edge cache look-ups of a gateway by result, from its /metrics. */
async function cacheLookups(gateway: RunningGateway): Promise<Record<string, number>> {
  const text = await (await fetch(new URL('/metrics', gateway.url))).text();
  const totals: Record<string, number> = {};
  for (const match of text.matchAll(/^tollgate_edge_cache_lookups_total\{[^}]*result="(\w+)"[^}]*\} (\d+)/gm)) {
    totals[match[1] as string] = (totals[match[1] as string] ?? 0) + Number(match[2]);
  }
  return totals;
}

/** The case exercises what it claims: never a response both gateways got wrong the same dull way. */
function checkExpectation(c: CorpusCase, body: any): void {
  const errors: any[] = body.errors ?? [];
  for (const error of errors) {
    assert.ok(!/^GRAPHQL_(PARSE|VALIDATION)_FAILED$/.test(error.extensions?.code ?? ''), `the operation itself is invalid: ${error.message}`);
  }
  switch (c.expect) {
    case 'data':
      assert.equal(errors.length, 0, JSON.stringify(errors));
      assert.ok(body.data, 'data');
      break;
    case 'partial':
      assert.ok(errors.length > 0, 'errors');
      assert.ok('data' in body, 'a data key');
      break;
    case 'errors':
      assert.ok(errors.length > 0, 'errors');
      assert.equal(body.data ?? null, null);
      break;
    case 'nullData':
      assert.equal(errors.length, 0, JSON.stringify(errors));
      assert.equal(body.data, null);
      break;
    case 'valueCompletion':
      assert.ok(body.extensions?.valueCompletion?.length > 0, JSON.stringify(body));
      break;
  }
}

/** What one request of the case must add to the Tollgate gateway's ExecutorStats. */
function expectedRun(c: CorpusCase): ExecutorStatsSnapshot {
  const executor = c.executor ?? 'tollgate';
  if (executor === 'tollgate') return { tollgate: 1, apollo: 0, fallbacksByReason: {} };
  if (executor === 'none') return { tollgate: 0, apollo: 0, fallbacksByReason: {} };
  return { tollgate: 0, apollo: 1, fallbacksByReason: { [executor.apollo]: 1 } };
}

function delta(before: ExecutorStatsSnapshot, after: ExecutorStatsSnapshot): ExecutorStatsSnapshot {
  const fallbacksByReason: Record<string, number> = {};
  for (const [reason, count] of Object.entries(after.fallbacksByReason)) {
    const added = count - (before.fallbacksByReason[reason] ?? 0);
    if (added !== 0) fallbacksByReason[reason] = added;
  }
  return { tollgate: after.tollgate - before.tollgate, apollo: after.apollo - before.apollo, fallbacksByReason };
}

/** Tollgate's error paths each name a null in its data; the stock gateway's do not all (`reason`). */
function checkCorrectedErrorPaths(actual: any, expected: any, reason: string): void {
  const namesNull = (body: any, path: Array<string | number>) => path.reduce((value: any, key) => value?.[key], body.data) === null;
  for (const error of actual.errors) assert.ok(namesNull(actual, error.path), `tollgate's error path ${JSON.stringify(error.path)} names a null`);
  assert.ok(
    expected.errors.some((error: any) => !namesNull(expected, error.path)),
    `the stock gateway's paths differ: ${reason}`,
  );
}

function comparable(body: any, c: CorpusCase): any {
  if (c.errorPathsCorrected && Array.isArray(body?.errors)) {
    body = { ...body, errors: body.errors.map(({ path, ...error }: any) => error) };
  }
  if (!c.unorderedErrors || !Array.isArray(body?.errors)) return body;
  const key = (e: unknown) => JSON.stringify(e);
  return { ...body, errors: [...body.errors].sort((a, b) => key(a).localeCompare(key(b))) };
}
