import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions } from '../../bench/lib/options.ts';

describe('bench options', () => {
  it('defaults to 50 connections, 3 s warm-up, 10 s measured', () => {
    const o = parseOptions([], {});
    assert.notEqual(o, 'help');
    assert.deepEqual(o !== 'help' && [o.connections, o.warmupSeconds, o.durationSeconds, o.only, o.cpuProf], [50, 3, 10, null, 'off']);
  });

  it('--quick shortens, flags beat env, env beats defaults', () => {
    const o = parseOptions(['--quick', '--duration', '5', '--only', 'tollgate, apollo-gateway'], { BENCH_DURATION: '7', BENCH_CONNECTIONS: '8' });
    assert.ok(o !== 'help');
    assert.equal(o.warmupSeconds, 2);
    assert.equal(o.durationSeconds, 5);
    assert.equal(o.connections, 8);
    assert.deepEqual([...(o.only ?? [])], ['tollgate', 'apollo-gateway']);
  });

  it('--baseline-ref: off by default, flag beats BENCH_BASELINE_REF, not an option-looking ref', () => {
    const none = parseOptions([], {});
    assert.ok(none !== 'help');
    assert.equal(none.baselineRef, null);
    const fromEnv = parseOptions([], { BENCH_BASELINE_REF: 'a84bc5f' });
    assert.ok(fromEnv !== 'help');
    assert.equal(fromEnv.baselineRef, 'a84bc5f');
    const fromFlag = parseOptions(['--baseline-ref', ' HEAD~3 '], { BENCH_BASELINE_REF: 'a84bc5f' });
    assert.ok(fromFlag !== 'help');
    assert.equal(fromFlag.baselineRef, 'HEAD~3');
    assert.throws(() => parseOptions(['--baseline-ref=--output=x'], {}), /--baseline-ref/);
    assert.throws(() => parseOptions(['--baseline-ref', 'a b'], {}), /--baseline-ref/);
  });

  it('--baseline-row: tollgate by default, flag beats BENCH_BASELINE_ROW', () => {
    const none = parseOptions(['--baseline-ref', 'HEAD'], {});
    assert.ok(none !== 'help');
    assert.equal(none.baselineRow, 'tollgate');
    const fromEnv = parseOptions([], { BENCH_BASELINE_ROW: 'tollgate+auth' });
    assert.ok(fromEnv !== 'help');
    assert.equal(fromEnv.baselineRow, 'tollgate+auth');
    const fromFlag = parseOptions(['--baseline-row', 'tollgate+full'], { BENCH_BASELINE_ROW: 'tollgate+auth' });
    assert.ok(fromFlag !== 'help');
    assert.equal(fromFlag.baselineRow, 'tollgate+full');
  });

  it('rejects nonsense numbers and unknown flags', () => {
    assert.throws(() => parseOptions(['--duration', '0'], {}), /--duration/);
    assert.throws(() => parseOptions(['--connections', 'x'], {}), /--connections/);
    assert.throws(() => parseOptions(['--bogus'], {}));
  });

  it('--rounds: 1 by default, whole numbers only, not with --soak', () => {
    const none = parseOptions([], {});
    assert.ok(none !== 'help');
    assert.equal(none.rounds, 1);
    const five = parseOptions(['--rounds', '5'], { BENCH_ROUNDS: '3' });
    assert.ok(five !== 'help');
    assert.equal(five.rounds, 5);
    assert.throws(() => parseOptions(['--rounds', '0'], {}), /--rounds/);
    assert.throws(() => parseOptions(['--soak', '--rounds', '3'], {}), /--rounds: not with --soak/);
  });
});
