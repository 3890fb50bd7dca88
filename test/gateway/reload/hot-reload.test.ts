// Supergraph hot reload (issue 11): the watched file replaced while 200 requests are in flight —
// none fails, the new field is served after; a broken file is refused, logged, and the last good
// supergraph keeps serving; /ready names the serving supergraph and the refusal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rename, writeFile } from 'node:fs/promises';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { eventually } from '../../support/eventually.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startLoggedGateway, type LoggedGateway } from '../../support/gateway.ts';

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const V1 = `${FED} type Query { hello: String }`;
const V2 = `${FED} type Query { hello: String added: String }`;

describe('supergraph hot reload', () => {
  let subgraph: FixtureSubgraph;
  let logged: LoggedGateway & { file: string };
  let gateway: RunningGateway;

  /** Replaces the file as editors and deploy tools do: write aside, then rename over it. */
  async function replaceSupergraph(sdl: string): Promise<void> {
    const aside = `${logged.file}.${Date.now()}.tmp`;
    await writeFile(aside, sdl);
    await rename(aside, logged.file);
  }

  const ready = async () => (await (await fetch(gateway.url.replace(/\/graphql$/, '/ready'))).json()) as { supergraph: { hash: string; last_reload_error?: string } };

  before(async () => {
    // The subgraph already serves both fields; only the supergraph decides what the gateway exposes.
    subgraph = await startFixtureSubgraph(V2, {
      Query: {
        hello: async () => {
          await new Promise((resolve) => setTimeout(resolve, 20)); // keeps requests in flight across the swap
          return 'world';
        },
        added: () => 'new',
      },
    });
    logged = await startLoggedGateway(composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: V1 }]), {
      telemetry: { logging: { access_log: false } },
    });
    gateway = logged.gateway;
  });

  after(async () => {
    await logged?.stop();
    await subgraph?.stop();
  });

  test('a new supergraph swaps in while 200 requests are in flight: none fails, the new field is served after', async () => {
    const before = (await ready()).supergraph.hash;
    assert.equal((await postGraphQL(gateway.url, { query: '{ added }' })).body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    const inFlight = Array.from({ length: 200 }, () => postGraphQL(gateway.url, { query: '{ hello }' }));
    await replaceSupergraph(composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: V2 }]));
    const results = await Promise.all(inFlight);
    assert.deepEqual(
      results.filter((r) => r.status !== 200 || r.body.data?.hello !== 'world').map((r) => JSON.stringify(r.body)),
      [],
      'every request in flight across the swap answered',
    );
    await eventually('the new field is served', async () => (await postGraphQL(gateway.url, { query: '{ added }' })).body.data?.added === 'new');
    assert.notEqual((await ready()).supergraph.hash, before);
    assert.ok(logged.logs.some((line) => line['msg'] === 'supergraph reloaded'));
  });

  test('a broken supergraph is refused and logged; the last good one keeps serving', async () => {
    const serving = (await ready()).supergraph.hash;
    await replaceSupergraph('this is not a supergraph {');
    await eventually('the refusal shows on /ready', async () => (await ready()).supergraph.last_reload_error !== undefined);
    assert.match((await ready()).supergraph.last_reload_error!, /not a valid supergraph SDL/);
    assert.equal((await ready()).supergraph.hash, serving);
    assert.deepEqual((await postGraphQL(gateway.url, { query: '{ hello added }' })).body, { data: { hello: 'world', added: 'new' } });
    assert.ok(logged.logs.some((line) => String(line['msg']).startsWith('new supergraph refused')));
  });
});
