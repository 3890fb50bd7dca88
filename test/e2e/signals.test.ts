// `tollgate serve` and its signals (issue 11): SIGHUP applies a valid config, refuses an invalid one
// or one that needs a restart (the running config stays); SIGTERM drains — /ready 503 at once,
// requests in flight complete — then the process exits 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFixtureSubgraph, type FixtureSubgraph } from '../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL } from '../support/gateway.ts';
import { spawnProcess, type Spawned } from '../support/processes.ts';

const SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"]) type Query { hello: String slow: String }';

describe('tollgate serve and its signals', () => {
  let subgraph: FixtureSubgraph;
  let dir: string;
  let supergraph: string;
  let release: () => void = () => {};
  let slowGate = new Promise<void>((resolve) => (release = resolve));

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, {
      Query: {
        hello: () => 'world',
        // Answers when the test says so: a request provably in flight during the shutdown.
        slow: async () => {
          await slowGate;
          return 'done';
        },
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'tollgate-signals-'));
    supergraph = join(dir, 'supergraph.graphql');
    await writeFile(supergraph, composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]));
  });

  after(async () => {
    release();
    await subgraph?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function serve(name: string, yaml: string): Promise<{ process: Spawned; url: string; file: string }> {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, yaml);
    const process_ = spawnProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', file]);
    const url = (await process_.waitFor(/tollgate: serving (http:\/\/\S+)/, 60_000))[1]!;
    return { process: process_, url, file };
  }

  const base = (listen: string, extra = '') =>
    `supergraph:\n  file: ${supergraph}\n  watch: false\nserver:\n  listen: "${listen}"\n  shutdown_drain_ms: 1500\ntelemetry:\n  logging:\n    level: warn\n${extra}`;

  test('SIGHUP: a valid config is applied, an invalid one and a restart-only change are refused', async () => {
    const { process: gateway, url, file } = await serve('hup', base('127.0.0.1:0'));
    try {
      const twoAliases = { query: '{ a: hello b: hello }' };
      assert.equal((await postGraphQL(url, twoAliases)).status, 200);

      await writeFile(file, base('127.0.0.1:0', 'limits:\n  max_aliases: 1\n'));
      gateway.child.kill('SIGHUP');
      await gateway.waitFor(/SIGHUP: config reloaded/);
      const refused = await postGraphQL(url, twoAliases);
      assert.equal(refused.body.errors[0].extensions.code, 'MAX_ALIASES_LIMIT', 'the new limit is live');

      await writeFile(file, base('127.0.0.1:0', 'limits:\n  max_aliasez: 5\n'));
      gateway.child.kill('SIGHUP');
      await gateway.waitFor(/SIGHUP: config not reloaded: [\s\S]*limits\.max_aliasez: unknown key/);
      assert.equal((await postGraphQL(url, twoAliases)).body.errors[0].extensions.code, 'MAX_ALIASES_LIMIT', 'the running config stays');

      await writeFile(file, base('127.0.0.1:1', 'limits:\n  max_aliases: 5\n'));
      gateway.child.kill('SIGHUP');
      await gateway.waitFor(/SIGHUP: config not reloaded: server\.listen changed, which needs a restart/);
      assert.equal((await postGraphQL(url, twoAliases)).body.errors[0].extensions.code, 'MAX_ALIASES_LIMIT', 'nothing was changed');
    } finally {
      await gateway.stop('SIGKILL');
    }
  });

  test('SIGTERM: /ready 503 at once, requests in flight complete, exit 0', async () => {
    slowGate = new Promise<void>((resolve) => (release = resolve));
    const { process: gateway, url } = await serve('term', base('127.0.0.1:0'));
    const readyUrl = url.replace(/\/graphql$/, '/ready');
    assert.equal((await fetch(readyUrl)).status, 200);
    const calls = subgraph.received.length;
    const inFlight = postGraphQL(url, { query: '{ slow }' });
    for (let i = 0; i < 200 && subgraph.received.length === calls; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(subgraph.received.length, calls + 1, 'the slow request reached the subgraph');

    const exited = gateway.stop('SIGTERM');
    await gateway.waitFor(/draining, then stopping/);
    const draining = await fetch(readyUrl);
    assert.equal(draining.status, 503);
    assert.equal(((await draining.json()) as { status: string }).status, 'draining');
    assert.equal((await postGraphQL(url, { query: '{ hello }' })).status, 200, 'still serving while draining');

    release();
    const answered = await inFlight;
    assert.deepEqual(answered.body, { data: { slow: 'done' } });
    assert.equal(await exited, 0);
  });
});
