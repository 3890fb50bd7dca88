// `tollgate serve --workers N` (issue 18) at start-up: a bad --workers or server.workers is
// refused before any fork, a worker's start-up failure is said once (not once per worker), and
// under a memory budget the process tree is supervisor → primary → workers, each worker with the
// budget's heap flags. Serving, restarts and draining: workers.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { heapSettings } from '../../bin/memory-budget.mjs';
import { eventually } from '../support/eventually.ts';
import { runProcess } from '../support/processes.ts';
import { WorkersFixture } from '../support/workers.ts';

describe('tollgate serve --workers at start-up', () => {
  const fx = new WorkersFixture();
  before(() => fx.start());
  after(() => fx.stop());

  test('a --workers value that is not 1..256 or auto is refused, naming the flag; server.workers too, naming the key', async () => {
    // Side by side: each run is a node start-up.
    const bads = ['0', 'two', '1.5', '257'];
    const runs = await Promise.all(bads.map((bad) => runProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--supergraph', fx.supergraph, '--workers', bad])));
    for (const [i, bad] of bads.entries()) {
      const run = runs[i]!;
      assert.equal(run.code, 2, `--workers ${bad}`);
      assert.match(run.stderr, new RegExp(`--workers must be a whole number from 1 to 256, or auto, got "${bad.replace('.', '\\.')}"`));
    }
    const file = join(fx.dir, 'bad-workers.yaml');
    await writeFile(file, fx.yaml('').replace('server:\n', 'server:\n  workers: many\n'));
    const run = await runProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', file]);
    assert.equal(run.code, 1);
    const lines = run.stderr.split('\n').filter((line) => line.includes('server.workers'));
    assert.deepEqual(lines, ['  - server.workers: expected a whole number from 1 to 256, or "auto"'], 'said once, by the primary, before any fork');
  });

  test('a start-up failure of the workers (a supergraph that does not load) is said once, exit 1', async () => {
    const file = join(fx.dir, 'no-supergraph.yaml');
    await writeFile(file, fx.yaml('').replace(fx.supergraph, join(fx.dir, 'missing.graphql')));
    const run = await runProcess(process.execPath, ['bin/tollgate.mjs', 'serve', '--config', file, '--workers', '2'], 90_000);
    assert.equal(run.code, 1);
    const said = run.stderr.split('\n').filter((line) => line.includes('missing.graphql'));
    assert.equal(said.length, 1, `one line, not one per worker:\n${run.stderr}`);
    assert.match(said[0]!, /^tollgate serve: /);
  });

  test('under memory.max_mb: supervisor → primary → workers, each worker with the heap flags; SIGINT drains, a second SIGINT ends all at once', async () => {
    const { gateway } = await fx.serve('budget', fx.yaml('memory:\n  max_mb: 300\n').replace('shutdown_drain_ms: 1500', 'shutdown_drain_ms: 60000'));
    await gateway.waitFor(/"worker":2[^\n]*"msg":"memory budget"/);
    const budgets = gateway
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"msg":"memory budget"'))
      .map((line) => JSON.parse(line) as { worker?: number; budgetMb: number; maxOldSpaceMb?: number; heapLimitMb: number; pid: number; primaryPid?: number });
    assert.deepEqual(budgets.map((b) => b.worker).sort(), [1, 2]);
    const primaries = new Set(budgets.map((b) => b.primaryPid));
    assert.equal(primaries.size, 1);
    assert.notEqual([...primaries][0], gateway.child.pid, 'the process started is the supervisor, the primary its child');
    const { maxOldSpaceMb } = heapSettings(300);
    for (const budget of budgets) {
      assert.equal(budget.budgetMb, 300, 'memory.max_mb is each worker’s');
      assert.equal(budget.maxOldSpaceMb, maxOldSpaceMb);
      assert.ok(budget.heapLimitMb >= maxOldSpaceMb && budget.heapLimitMb < maxOldSpaceMb + 40, `worker ${budget.worker}: V8's heap limit ${budget.heapLimitMb} MB`);
    }

    gateway.child.kill('SIGINT');
    await gateway.waitFor(/tollgate: SIGINT: draining 2 workers/);
    const exited = gateway.stop('SIGINT');
    assert.equal(await exited, 1, 'the second SIGINT: exit 1 at once (the drain would last 60 s)');
    assert.match(gateway.stderr(), /SIGINT again, exiting now/);
    await eventually('every worker gone', async () =>
      budgets.every((b) => {
        try {
          process.kill(b.pid, 0);
          return false;
        } catch {
          return true;
        }
      }),
    );
  });

});
