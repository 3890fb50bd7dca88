// `npm run bench`: every row of rows.ts against the same subgraph processes, one gateway at a
// time, load from a separate process, every response checked. Prints a table, writes JSON.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineRefRow, refRatioLine, refRatios, resolveBaselineRef, type BaselineRef } from './baseline-ref.ts';
import { measureRow, type MeasureContext } from './lib/measure.ts';
import { parseOptions, USAGE, type Options } from './lib/options.ts';
import { installCleanupHandlers, stopAll } from './lib/processes.ts';
import { addRatios, header, table, writeJson } from './lib/report.ts';
import { combineRounds, roundsReport, roundsSummary, type RoundsSummary } from './lib/rounds.ts';
import type { RowResult } from './lib/result.ts';
import { DEFAULT_SOAK_ROWS, sampleInterval, SOAK_CLIENTS, soakReport, soakRow, type SoakResult } from './lib/soak.ts';
import { systemInfo } from './lib/system.ts';
import { versions } from './lib/versions.ts';
import { BASELINE, rows as configuredRows, type Row } from './rows.ts';
import { homeScreen } from './scenarios/home-screen.ts';
import { standard } from './scenarios/standard.ts';

const scenarios = [standard, homeScreen];
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(repoRoot, 'bench/results');
const log = (line: string) => console.error(line);

installCleanupHandlers();
const { opts, baselineRef, rows } = validOptions();

const sys = systemInfo();
const measured = versions(repoRoot);
const startedAt = new Date();
console.log(header(sys, opts, measured));
if (baselineRef) {
  console.log(`${baselineRef.row} = ${baselineRef.commit.slice(0, 7)} "${baselineRef.subject}" (git worktree, current node_modules)`);
  if (baselineRef.warning) console.log(baselineRef.warning);
}
console.log('');

const runDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
process.on('exit', () => rmSync(runDir, { recursive: true, force: true }));
const cpuProfDir = join(resultsDir, 'profiles');
if (opts.cpuProf !== 'off') mkdirSync(cpuProfDir, { recursive: true });

const selectedRows = rows.filter((r) => !opts.only || opts.only.has(r.name));
// The baseline runs first so that its reply can serve as reference where there is no oracle.
const runOrder = [...selectedRows].sort((a, b) => Number(b.name === BASELINE) - Number(a.name === BASELINE));
const wanted = (workload: string) => !opts.queries || opts.queries.has(workload);

if (opts.soak) await soakRun(opts.soak.seconds);
else await tableRun();

// The benchmark table: every selected row × every workload of every scenario.
async function tableRun(): Promise<void> {
  // rounds[i]: round i's results, every scenario's.
  const rounds: RowResult[][] = Array.from({ length: opts.rounds }, () => []);
  const skipped: { scenario: string; reason: string }[] = [];
  try {
    for (const scenario of scenarios) {
      if (!scenario.workloadNames.some(wanted)) continue;
      log(`▶ scenario ${scenario.name}`);
      // A scenario whose subgraphs cannot start is reported, not fatal: the others still run.
      const running = await scenario.start({ repoRoot, runDir }, wanted).catch((err: unknown) => ({
        skipped: `failed to start: ${err instanceof Error ? err.message : String(err)}`,
      }));
      if ('skipped' in running) {
        log(`  skipped: ${running.skipped}`);
        skipped.push({ scenario: scenario.name, reason: running.skipped });
        continue;
      }
      const ctx: MeasureContext = { repoRoot, runDir, scenario: scenario.name, opts, cpuProfDir, references: new Map(), log };
      try {
        for (const [i, round] of rounds.entries()) {
          if (opts.rounds > 1) log(`  round ${i + 1} of ${opts.rounds}`);
          const scenarioResults: RowResult[] = [];
          for (const row of runOrder) {
            if (row.scenarios === undefined || row.scenarios.includes(scenario.name)) scenarioResults.push(...(await measureRow(row, running, ctx)));
          }
          // Back to table order (rows.ts), whatever the run order was.
          const rank = (r: RowResult) => selectedRows.findIndex((row) => row.name === r.row);
          round.push(...scenarioResults.sort((a, b) => rank(a) - rank(b) || a.workload.localeCompare(b.workload)));
        }
      } finally {
        await running.stop();
      }
    }
  } finally {
    await stopAll();
  }

  const results = opts.rounds > 1 ? combineRounds(rounds) : (rounds[0] ?? []);
  addRatios(results, BASELINE);
  console.log(results.length > 0 ? table(results, BASELINE) : '(nothing measured)');
  let roundsSummaries: RoundsSummary[] | undefined;
  const reference = selectedRows[0]?.name;
  if (opts.rounds > 1 && reference !== undefined) {
    roundsSummaries = roundsSummary(rounds, reference);
    console.log(`\n${roundsReport(roundsSummaries, reference)}`);
  }
  const vsRef = baselineRef && refRatios(results, baselineRef);
  if (baselineRef && vsRef) {
    console.log(`\n${refRatioLine(vsRef, baselineRef)}`);
    if (baselineRef.warning) console.log(baselineRef.warning);
  }
  for (const s of skipped) console.log(`\nscenario ${s.scenario} skipped: ${s.reason}`);

  if (opts.save) {
    const file = join(resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeJson(file, { startedAt, system: sys, versions: measured, options: jsonOptions(), baseline: BASELINE, ...(baselineRef ? { baselineRef: { ...baselineRef, vsTollgate: vsRef } } : {}), skipped, results, ...(roundsSummaries ? { rounds: { reference, summaries: roundsSummaries, results: rounds } } : {}) });
    console.log(`\nresults: ${file}`);
  }
}

// --soak: the soak rows one after another against the standard scenario's subgraphs.
async function soakRun(seconds: number): Promise<void> {
  const soakRows = opts.only ? selectedRows : rows.filter((r) => DEFAULT_SOAK_ROWS.includes(r.name) || r.name === baselineRef?.row);
  const settings = { seconds, clients: SOAK_CLIENTS, sampleSeconds: sampleInterval(seconds) };
  log(`▶ soak: scenario ${standard.name}, ${soakRows.map((r) => r.name).join(', ')}`);
  const results: SoakResult[] = [];
  let skipped: string | null = null;
  try {
    const running = await standard.start({ repoRoot, runDir }, wanted).catch((err: unknown) => ({
      skipped: `failed to start: ${err instanceof Error ? err.message : String(err)}`,
    }));
    if ('skipped' in running) {
      skipped = running.skipped;
    } else {
      const ctx: MeasureContext = { repoRoot, runDir, scenario: standard.name, opts, cpuProfDir, references: new Map(), log };
      try {
        for (const row of soakRows) results.push(await soakRow(row, running, settings, ctx));
      } finally {
        await running.stop();
      }
    }
  } finally {
    await stopAll();
  }
  console.log(results.length > 0 ? soakReport(results) : '(nothing soaked)');
  if (skipped) console.log(`\nscenario ${standard.name} skipped: ${skipped}`);
  if (opts.save) {
    const file = join(resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}-soak.json`);
    writeJson(file, { startedAt, system: sys, versions: measured, options: jsonOptions(), mode: 'soak', soak: { settings, ...(skipped ? { skipped } : {}), results } });
    console.log(`\nresults: ${file}`);
  }
}

function jsonOptions() {
  return { ...opts, only: opts.only && [...opts.only], queries: opts.queries && [...opts.queries] };
}

function validOptions(): { opts: Options; baselineRef: BaselineRef | null; rows: readonly Row[] } {
  const fail = (message: string): never => {
    console.error(`bench: ${message}\n${USAGE}`);
    process.exit(2);
  };
  let parsed: Options | 'help';
  try {
    parsed = parseOptions(process.argv.slice(2), process.env);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (parsed === 'help') {
    console.log(USAGE);
    process.exit(0);
  }
  // The ref is resolved (the run refused if git doesn't know it) before anything starts.
  let baselineRef: BaselineRef | null = null;
  if (parsed.baselineRef !== null) {
    try {
      baselineRef = resolveBaselineRef(repoRoot, parsed.baselineRef, parsed.baselineRow);
    } catch {
      fail(`--baseline-ref ${parsed.baselineRef}: not a commit of this repository`);
    }
  }
  // With --baseline-ref, `ROW@REF` sits right after ROW (`tollgate` unless --baseline-row; table order = rows order).
  const current = configuredRows.find((r) => r.name === parsed.baselineRow && r.kind === 'tollgate');
  if (parsed.baselineRef !== null && !current) fail(`--baseline-row ${parsed.baselineRow}: not a Tollgate row (rows: ${configuredRows.filter((r) => r.kind === 'tollgate').map((r) => r.name).join(', ')})`);
  const refRow = baselineRef && baselineRefRow(repoRoot, baselineRef, current);
  const rows = refRow ? configuredRows.flatMap((r) => (r === current ? [r, refRow] : [r])) : configuredRows;
  const rowNames = rows.map((r) => r.name);
  // `ROW@X` is accepted by --only only as the --baseline-ref row, and that row is never left
  // out silently: --baseline-ref with an --only that omits it would be a flag doing nothing.
  const refRows = [...(parsed.only ?? [])].filter((name) => name.includes('@') && !rowNames.includes(name));
  if (refRows.length > 0) fail(`--only ${refRows.join(', ')}: a ROW@REF row exists only as the --baseline-ref REF row${baselineRef ? ` (this run's is ${baselineRef.row})` : ''}`);
  if (baselineRef && parsed.only && !parsed.only.has(baselineRef.row)) fail(`--baseline-ref ${baselineRef.ref}: --only must include ${baselineRef.row}`);
  const queryNames = scenarios.flatMap((s) => s.workloadNames);
  const unknownRows = [...(parsed.only ?? [])].filter((name) => !rowNames.includes(name));
  if (unknownRows.length > 0) fail(`--only: unknown ${unknownRows.join(', ')} (rows: ${rowNames.join(', ')})`);
  const unknownQueries = [...(parsed.queries ?? [])].filter((q) => !queryNames.includes(q));
  if (unknownQueries.length > 0) fail(`--query: unknown ${unknownQueries.join(', ')} (queries: ${queryNames.join(', ')})`);
  if (parsed.soak) {
    // The soak runs gateway rows on the standard scenario's queries only.
    const notGateways = rows.filter((r) => r.kind === 'subgraph-direct' && parsed.only?.has(r.name)).map((r) => r.name);
    if (notGateways.length > 0) fail(`--soak: ${notGateways.join(', ')} is not a gateway row`);
    if (parsed.queries && !standard.workloadNames.some((q) => parsed.queries?.has(q))) fail(`--soak: --query must name one of ${standard.workloadNames.join(', ')}`);
  }
  return { opts: parsed, baselineRef, rows };
}

