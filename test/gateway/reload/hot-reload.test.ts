// Supergraph hot reload (issue 11): the watched file replaced while 200 requests are in flight —
// none fails, the new field is served after; a broken file is refused, logged, and the last good
// supergraph keeps serving; /ready names the serving supergraph and the refusal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { defaultConfig } from '../../../gateway/src/config/load.ts';
import { startGateway, type RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL } from '../../support/gateway.ts';

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
const V1 = `${FED} type Query { hello: String }`;
const V2 = `${FED} type Query { hello: String added: String }`;

/** Waits (bounded) until `check` holds; no timing is asserted, only that it happens. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${what} did not happen within 10 s`);
}

describe('supergraph hot reload', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let dir: string;
  let file: string;
  const logLines: string[] = [];

  /** Replaces the file as editors and deploy tools do: write aside, then rename over it. */
  async function replaceSupergraph(sdl: string): Promise<void> {
    const aside = join(dir, `next-${Date.now()}.tmp`);
    await writeFile(aside, sdl);
    await rename(aside, file);
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
    dir = await mkdtemp(join(tmpdir(), 'tollgate-reload-'));
    file = join(dir, 'supergraph.graphql');
    await writeFile(file, composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: V1 }]));
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    );
    gateway = await startGateway(defaultConfig({ supergraph: { file }, server: { listen: '127.0.0.1:0' }, telemetry: { logging: { access_log: false } } }), { logger });
  });

  after(async () => {
    await gateway?.stop();
    await subgraph?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
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
    assert.ok(logLines.some((line) => line.includes('supergraph reloaded')));
  });

  test('a broken supergraph is refused and logged; the last good one keeps serving', async () => {
    const serving = (await ready()).supergraph.hash;
    await replaceSupergraph('this is not a supergraph {');
    await eventually('the refusal shows on /ready', async () => (await ready()).supergraph.last_reload_error !== undefined);
    assert.match((await ready()).supergraph.last_reload_error!, /not a valid supergraph SDL/);
    assert.equal((await ready()).supergraph.hash, serving);
    assert.deepEqual((await postGraphQL(gateway.url, { query: '{ hello added }' })).body, { data: { hello: 'world', added: 'new' } });
    assert.ok(logLines.some((line) => line.includes('new supergraph refused')));
  });
});
