// bin/memory-budget.mjs: where `tollgate serve`'s budget comes from (memory.max_mb as the config
// file says it, placeholders expanded as the gateway expands them; else the cgroup limit, v2 or
// v1, the smallest on the process's path) and the heap flags it turns into. Real files only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { cgroupLimitMb, configuredBudget, configuredWorkers, expandPlaceholders, findBudget, heapSettings, MIN_BUDGET_MB } from '../../../bin/memory-budget.mjs';
import { expandPlaceholders as gatewayExpand } from '../../../gateway/src/core/env.ts';
import { MIN_BUDGET_MB as GATEWAY_MIN_BUDGET_MB } from '../../../gateway/src/memory/config.ts';

describe('the memory budget of tollgate serve', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-budget-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const config = async (name: string, yaml: string) => {
    const file = join(dir, `${name}.yaml`);
    await writeFile(file, yaml);
    return file;
  };

  test('memory.max_mb from the file serve reads, placeholders expanded', async () => {
    const plain = await config('plain', 'supergraph:\n  file: s.graphql\nmemory:\n  max_mb: 512\n');
    assert.equal(configuredBudget(['--config', plain], {}), 512);
    assert.equal(configuredBudget([`--config=${plain}`, '--port', '0'], {}), 512);
    const fromEnv = await config('env', 'supergraph:\n  file: s.graphql\nmemory:\n  max_mb: ${TOLLGATE_MB:-300}\n');
    assert.equal(configuredBudget(['--config', fromEnv], {}), 300);
    assert.equal(configuredBudget(['--config', fromEnv], { TOLLGATE_MB: '768' }), 768);
    const unset = await config('unset', 'supergraph:\n  file: s.graphql\n');
    assert.equal(configuredBudget(['--config', unset], {}), undefined);
    assert.equal(configuredBudget(['--supergraph', 'x.graphql'], {}), undefined, '--supergraph alone runs on defaults');
    assert.equal(configuredBudget(['--config', join(dir, 'missing.yaml')], {}), undefined, 'the gateway reports the file itself');
  });

  test('a value the gateway will refuse is no budget (the gateway names the key)', async () => {
    for (const value of ['100', 'lots', '512.5', '${NOT_SET}']) {
      const file = await config('bad', `supergraph:\n  file: s.graphql\nmemory:\n  max_mb: ${value}\n`);
      assert.equal(configuredBudget(['--config', file], {}), null, value);
      assert.equal(findBudget(['--config', file], {}, { cgroupRoot: join(dir, 'none'), procSelfCgroup: '' }), undefined, value);
    }
  });

  test('placeholders expand as the gateway expands them', () => {
    const env = { SET: '640', EMPTY: '' };
    for (const text of ['${SET}', '${env.SET}', '${EMPTY:-300}', '${UNSET:-512}', '${SET:-1}', 'x${SET}y', '${UNSET}', '${EMPTY}', '${other.SET}']) {
      const gateway = gatewayExpand({ v: text }, env);
      const expected = gateway.problems.length > 0 ? undefined : (gateway.value as { v: string }).v;
      assert.equal(expandPlaceholders(text, env), expected, text);
    }
  });

  test('the floor is the gateway config schema’s', () => {
    assert.equal(MIN_BUDGET_MB, GATEWAY_MIN_BUDGET_MB);
  });

  test('cgroup v2: memory.max on the process’s path, the smallest up to the root; "max" is none', async () => {
    const root = join(dir, 'v2');
    await mkdir(join(root, 'system.slice/tollgate.service'), { recursive: true });
    await writeFile(join(root, 'system.slice/memory.max'), String(2 ** 30));
    await writeFile(join(root, 'system.slice/tollgate.service/memory.max'), 'max\n');
    assert.equal(cgroupLimitMb(root, '0::/system.slice/tollgate.service\n'), 1024);
    await writeFile(join(root, 'system.slice/tollgate.service/memory.max'), `${512 * 2 ** 20}\n`);
    assert.equal(cgroupLimitMb(root, '0::/system.slice/tollgate.service\n'), 512);
    // In a container with its own cgroup namespace, the path is / and the file is at the root.
    await writeFile(join(root, 'memory.max'), `${768 * 2 ** 20}\n`);
    assert.equal(cgroupLimitMb(root, '0::/\n'), 768);
  });

  test('cgroup v1: memory.limit_in_bytes; its "unlimited" (about 2^63) is none', async () => {
    const root = join(dir, 'v1');
    await mkdir(join(root, 'memory/docker/abc'), { recursive: true });
    await writeFile(join(root, 'memory/memory.limit_in_bytes'), '9223372036854771712\n');
    assert.equal(cgroupLimitMb(root, '4:memory:/\n'), undefined);
    await writeFile(join(root, 'memory/docker/abc/memory.limit_in_bytes'), `${300 * 2 ** 20}\n`);
    assert.equal(cgroupLimitMb(root, '5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n'), 300);
    assert.equal(cgroupLimitMb(join(dir, 'nothing'), ''), undefined, 'no cgroup files: no limit');
  });

  test('memory.max_mb wins over the cgroup limit, which stands in for it (90%: the supervisor, page cache)', async () => {
    const root = join(dir, 'both');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'memory.max'), `${1000 * 2 ** 20}\n`);
    const where = { cgroupRoot: root, procSelfCgroup: '0::/\n' };
    const set = await config('set', 'supergraph:\n  file: s.graphql\nmemory:\n  max_mb: 400\n');
    assert.deepEqual(findBudget(['--config', set], {}, where), { budgetMb: 400, source: 'memory.max_mb' });
    const unset = await config('none', 'supergraph:\n  file: s.graphql\n');
    assert.deepEqual(findBudget(['--config', unset], {}, where), { budgetMb: 900, source: 'cgroup' });
  });

  test('with workers (--workers, server.workers) a cgroup limit is shared: the primary keeps 96 MB, each worker gets an equal part', async () => {
    const root = join(dir, 'workers');
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'memory.max'), `${2000 * 2 ** 20}\n`);
    const where = { cgroupRoot: root, procSelfCgroup: '0::/\n' };
    const two = await config('two-workers', 'supergraph:\n  file: s.graphql\nserver:\n  workers: 2\n');
    assert.equal(configuredWorkers(['--config', two], {}), 2);
    assert.deepEqual(findBudget(['--config', two], {}, where), { budgetMb: Math.floor((1800 - 96) / 2), source: 'cgroup' });
    assert.deepEqual(findBudget(['--config', two, '--workers', '4'], {}, where), { budgetMb: Math.floor((1800 - 96) / 4), source: 'cgroup' }, 'the flag wins');
    assert.deepEqual(findBudget(['--config', two, '--workers', '1'], {}, where), { budgetMb: 1800, source: 'cgroup' });
    const auto = await config('auto-workers', 'supergraph:\n  file: s.graphql\nserver:\n  workers: ${WORKERS:-auto}\n');
    assert.equal(configuredWorkers(['--config', auto], {}), availableParallelism());
    assert.equal(configuredWorkers(['--config', auto], { WORKERS: '3' }), 3);
    assert.equal(configuredWorkers(['--config', two, '--workers', 'many'], {}), 1, 'the gateway refuses the value itself');
    const budgeted = await config('max-mb-workers', 'supergraph:\n  file: s.graphql\nserver:\n  workers: 4\nmemory:\n  max_mb: 300\n');
    assert.deepEqual(findBudget(['--config', budgeted], {}, where), { budgetMb: 300, source: 'memory.max_mb' }, 'memory.max_mb is each worker’s');
  });

  test('the heap flags leave the budget room outside the heap', () => {
    for (const budget of [256, 512, 1024, 4096]) {
      const { maxOldSpaceMb, maxSemiSpaceMb, flags } = heapSettings(budget);
      assert.deepEqual(flags, [`--max-old-space-size=${maxOldSpaceMb}`, `--max-semi-space-size=${maxSemiSpaceMb}`]);
      // V8's heap: old space plus three semi-spaces (two, and the new large-object space).
      assert.ok(maxOldSpaceMb + 3 * maxSemiSpaceMb <= budget - 100, `${budget} MB: ${flags.join(' ')}`);
      assert.ok(maxOldSpaceMb >= 128, `${budget} MB: room for the ~55 MB of code and schemas and for caches`);
    }
  });
});
