// bench --rounds: the table's cells are medians over the rounds, a row that failed a round does
// not score, and the per-round ratios pair each round's measurements.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { combineRounds, median, roundsReport, roundsSummary } from '../../bench/lib/rounds.ts';
import type { RowResult } from '../../bench/lib/result.ts';

const cell = (row: string, requestsPerSec: number, extra: Partial<RowResult> = {}): RowResult => ({
  scenario: 'demo', row, workload: 'home-screen', status: 'ok', requestsPerSec, latencyP99Ms: requestsPerSec / 100, peakRssMb: requestsPerSec / 10, ...extra,
});

describe('bench rounds', () => {
  it('median of odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([]), undefined);
  });

  it('cells are medians (peak RSS the highest); a row failing one round does not score', () => {
    const rounds = [
      [cell('tollgate', 1000), cell('tollgate+full', 900)],
      [cell('tollgate', 3000), cell('tollgate+full', 2900, { status: 'errors', reason: 'one 502' })],
      [cell('tollgate', 2000), cell('tollgate+full', 1900)],
    ];
    const [plain, full] = combineRounds(rounds);
    assert.equal(plain!.requestsPerSec, 2000);
    assert.equal(plain!.latencyP99Ms, 20);
    assert.equal(plain!.peakRssMb, 300);
    assert.equal(full!.status, 'errors');
    assert.equal(full!.reason, 'one 502');
  });

  it('ratios pair the rounds: a machine slow in one round moves both rows', () => {
    const rounds = [
      [cell('tollgate', 1000), cell('tollgate+full', 950)],
      [cell('tollgate', 3000), cell('tollgate+full', 2700)],
      [cell('tollgate', 2000), cell('tollgate+full', 1840)],
    ];
    const [plain, full] = roundsSummary(rounds, 'tollgate');
    assert.deepEqual(plain!.requestsPerSec, [1000, 3000, 2000]);
    assert.deepEqual(full!.ratios.map((r) => r.toFixed(2)), ['0.95', '0.90', '0.92']);
    assert.equal(full!.medianRatio!.toFixed(2), '0.92');
    const report = roundsReport([plain!, full!], 'tollgate');
    assert.match(report, /tollgate\+full · home-screen: 950 \/ 2,700 \/ 1,840  ÷ tollgate: 0\.95 \/ 0\.90 \/ 0\.92 → median 0\.92×/);
  });
});
