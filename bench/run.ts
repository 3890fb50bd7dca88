// `npm run bench`: every row of rows.ts against the same subgraph processes, one gateway at a
// time, load from a separate process, every response checked. Prints a table, writes JSON.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureRow, type MeasureContext } from './lib/measure.ts';
import { parseOptions, USAGE, type Options } from './lib/options.ts';
import { installCleanupHandlers, stopAll } from './lib/processes.ts';
import { addRatios, header, table, writeJson } from './lib/report.ts';
import type { RowResult } from './lib/result.ts';
import { systemInfo } from './lib/system.ts';
import { versions } from './lib/versions.ts';
import { BASELINE, rows } from './rows.ts';
import { homeScreen } from './scenarios/home-screen.ts';
import { standard } from './scenarios/standard.ts';

const scenarios = [standard, homeScreen];
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const resultsDir = join(repoRoot, 'bench/results');
const log = (line: string) => console.error(line);

installCleanupHandlers();
const opts = validOptions();

const sys = systemInfo();
const measured = versions(repoRoot);
const startedAt = new Date();
console.log(`${header(sys, opts, measured)}\n`);

const runDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
process.on('exit', () => rmSync(runDir, { recursive: true, force: true }));
const cpuProfDir = join(resultsDir, 'profiles');
if (opts.cpuProf !== 'off') mkdirSync(cpuProfDir, { recursive: true });

const selectedRows = rows.filter((r) => !opts.only || opts.only.has(r.name));
// The baseline runs first so that its reply can serve as reference where there is no oracle.
const runOrder = [...selectedRows].sort((a, b) => Number(b.name === BASELINE) - Number(a.name === BASELINE));
const wanted = (workload: string) => !opts.queries || opts.queries.has(workload);

const results: RowResult[] = [];
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
    const scenarioResults: RowResult[] = [];
    try {
      for (const row of runOrder) scenarioResults.push(...(await measureRow(row, running, ctx)));
    } finally {
      await running.stop();
    }
    // Back to table order (rows.ts), whatever the run order was.
    const rank = (r: RowResult) => selectedRows.findIndex((row) => row.name === r.row);
    results.push(...scenarioResults.sort((a, b) => rank(a) - rank(b) || a.workload.localeCompare(b.workload)));
  }
} finally {
  await stopAll();
}

addRatios(results, BASELINE);
console.log(results.length > 0 ? table(results, BASELINE) : '(nothing measured)');
for (const s of skipped) console.log(`\nscenario ${s.scenario} skipped: ${s.reason}`);

if (opts.save) {
  const file = join(resultsDir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeJson(file, { startedAt, system: sys, versions: measured, options: { ...opts, only: opts.only && [...opts.only], queries: opts.queries && [...opts.queries] }, baseline: BASELINE, skipped, results });
  console.log(`\nresults: ${file}`);
}

function validOptions(): Options {
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
  const rowNames = rows.map((r) => r.name);
  const queryNames = scenarios.flatMap((s) => s.workloadNames);
  const unknownRows = [...(parsed.only ?? [])].filter((name) => !rowNames.includes(name));
  if (unknownRows.length > 0) fail(`--only: unknown ${unknownRows.join(', ')} (rows: ${rowNames.join(', ')})`);
  const unknownQueries = [...(parsed.queries ?? [])].filter((q) => !queryNames.includes(q));
  if (unknownQueries.length > 0) fail(`--query: unknown ${unknownQueries.join(', ')} (queries: ${queryNames.join(', ')})`);
  return parsed;
}
