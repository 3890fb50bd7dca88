// `tollgate serve` under a memory budget (bin/memory-budget.mjs): the gateway runs in a child
// process started with the budget's V8 heap flags, the limit in effect is logged and exported, and
// signals and exit codes go through the supervisor as if there were none.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupLimitMb, heapSettings } from '../../bin/memory-budget.mjs';
import { startFixtureSubgraph, type FixtureSubgraph } from '../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL } from '../support/gateway.ts';
import { runProcess, spawnProcess, type Spawned } from '../support/processes.ts';

const SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"]) type Query { hello: String }';
const MIB = 2 ** 20;

interface BudgetLine {
  budgetMb: number | null;
  source: string;
  heapLimitMb: number;
  heapGrowingPercent: number;
  maxOldSpaceMb?: number;
  maxSemiSpaceMb?: number;
  pid?: number;
  supervisorPid?: number;
  caches: { plans: number; documents: number; persistedQueries: number };
}

describe('tollgate serve under a memory budget', () => {
  let subgraph: FixtureSubgraph;
  let dir: string;
  let supergraph: string;

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' } });
    dir = await mkdtemp(join(tmpdir(), 'tollgate-memory-'));
    supergraph = join(dir, 'supergraph.graphql');
    await writeFile(supergraph, composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]));
  });
  after(async () => {
    await subgraph?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const yaml = async (name: string, memory: string, file = supergraph, drainMs = 200) => {
    const path = join(dir, `${name}.yaml`);
    await writeFile(path, `supergraph:\n  file: ${file}\n  watch: false\nserver:\n  listen: "127.0.0.1:0"\n  shutdown_drain_ms: ${drainMs}\ntelemetry:\n  logging:\n    access_log: false\n${memory}`);
    return path;
  };
  async function serve(name: string, memory: string, drainMs?: number): Promise<{ gateway: Spawned; url: string; budget: BudgetLine }> {
    const gateway = spawnProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', await yaml(name, memory, supergraph, drainMs)]);
    const url = (await gateway.waitFor(/tollgate: serving (http:\/\/\S+)/, 60_000))[1]!;
    const line = (await gateway.waitFor(/^\{.*"msg":"memory budget".*\}$/m))[0];
    return { gateway, url, budget: JSON.parse(line) as BudgetLine };
  }
  const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

  test('memory.max_mb: a child process with its heap flags; V8’s limit in effect logged and exported; SIGTERM drains, exit 0', async () => {
    const { gateway, url, budget } = await serve('budget', 'memory:\n  max_mb: 400\n');
    try {
      const { maxOldSpaceMb, maxSemiSpaceMb } = heapSettings(400);
      assert.equal(budget.budgetMb, 400);
      assert.equal(budget.source, 'memory.max_mb');
      assert.deepEqual([budget.maxOldSpaceMb, budget.maxSemiSpaceMb], [maxOldSpaceMb, maxSemiSpaceMb]);
      assert.equal(budget.supervisorPid, gateway.child.pid, 'the process started is the supervisor');
      assert.notEqual(budget.pid, gateway.child.pid);
      // V8's own figure: old space plus the young generation (three semi-spaces).
      assert.ok(budget.heapLimitMb >= maxOldSpaceMb && budget.heapLimitMb <= maxOldSpaceMb + 3 * maxSemiSpaceMb + 8, `heap limit ${budget.heapLimitMb} MB`);
      assert.deepEqual(budget.caches, { plans: 50, documents: 25, persistedQueries: 13 }, 'the caches follow the budget');
      assert.equal(budget.heapGrowingPercent, 50);

      assert.deepEqual((await postGraphQL(url, { query: '{ hello }' })).body, { data: { hello: 'world' } });
      const metrics = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
      assert.equal(metric(metrics, 'tollgate_memory_heap_limit_bytes'), budget.heapLimitMb * MIB);
      assert.equal(metric(metrics, 'tollgate_memory_budget_bytes'), 400 * MIB);
      assert.match(metrics, /^tollgate_cache_entries\{cache="documents"\} 1$/m);

      const exited = gateway.stop('SIGTERM');
      await gateway.waitFor(/SIGTERM: draining, then stopping/);
      assert.equal(await exited, 0);
      assert.doesNotMatch(gateway.stderr(), /again, exiting now/, 'one SIGTERM is one request');
    } finally {
      await gateway.stop('SIGKILL');
    }
  });

  test('SIGINT twice to the supervisor: the second exits at once (1)', async () => {
    const { gateway } = await serve('twice', 'memory:\n  max_mb: 300\n', 30_000);
    try {
      gateway.child.kill('SIGINT');
      await gateway.waitFor(/SIGINT: draining/);
      const exited = gateway.stop('SIGINT');
      assert.equal(await exited, 1);
      assert.match(gateway.stderr(), /SIGINT again, exiting now/);
    } finally {
      await gateway.stop('SIGKILL');
    }
  });

  test('the gateway process killed (e.g. the OOM killer): the supervisor says so on stderr and exits 128 + n, no restart', async () => {
    const { gateway, budget } = await serve('killed', 'memory:\n  max_mb: 300\n');
    try {
      const supervisorExit = new Promise<number | null>((resolve) => gateway.child.once('exit', (code) => resolve(code)));
      process.kill(budget.pid!, 'SIGKILL');
      assert.equal(await supervisorExit, 137);
      assert.match(gateway.stderr(), /the gateway process \(pid \d+\) was ended by SIGKILL; exiting/);
    } finally {
      await gateway.stop('SIGKILL');
    }
  });

  test('without memory.max_mb: the cgroup limit, else no budget, no child, V8’s own heap limit', async () => {
    const { gateway, url, budget } = await serve('none', 'memory:\n  heap_growing_percent: 100\n');
    try {
      assert.equal(budget.heapGrowingPercent, 100);
      const cgroup = cgroupLimitMb();
      const metrics = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
      if (cgroup === undefined) {
        // No budget: no budget series at all (not a 0 that an `rss / budget` alert would divide by).
        assert.doesNotMatch(metrics, /^tollgate_memory_budget_bytes/m);
        assert.equal(budget.source, 'none');
        assert.equal(budget.budgetMb, null);
        assert.equal(budget.supervisorPid, undefined, 'the gateway is the process started');
        assert.deepEqual(budget.caches, { plans: 64, documents: 32, persistedQueries: 16 });
      } else {
        assert.equal(budget.source, 'cgroup');
        assert.equal(budget.budgetMb, Math.floor(cgroup * 0.9));
      }
    } finally {
      await gateway.stop('SIGKILL');
    }
  });

  test('a child that fails to start: its message and exit code come through', async () => {
    const run = await runProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', await yaml('fails', 'memory:\n  max_mb: 300\n', join(dir, 'missing.graphql'))]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /supergraph\.file: cannot read .*missing\.graphql: ENOENT/);
  });

  test('memory.max_mb under the floor: exit 1 naming the key', async () => {
    const run = await runProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', await yaml('low', 'memory:\n  max_mb: 100\n')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /memory\.max_mb: .*256/);
  });
});
