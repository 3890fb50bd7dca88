// `--baseline-ref REF`: one extra row, `tollgate@REF`, that runs the plain `tollgate` row's gateway
// (or, with `--baseline-row NAME`, that Tollgate row's configuration: `NAME@REF`) as it was at git commit REF, in the same run (same subgraphs, load and checks), so a before/after
// is not two runs on a machine whose speed drifts. The old tree is a detached `git worktree` in a
// temp dir, with the current node_modules symlinked in: dependencies are assumed unchanged between
// the two commits (a differing package-lock.json is reported as a warning, not refused).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowResult } from './lib/result.ts';
import { scores } from './lib/result.ts';
import type { Prepared, Row } from './rows.ts';

/** The row the baseline-ref row duplicates, and whose req/s is divided by it, unless --baseline-row names another. */
export const CURRENT_ROW = 'tollgate';

export interface BaselineRef {
  /** As typed, e.g. `HEAD~3`; the row is named after it so `--only` can name it. */
  ref: string;
  /** Full commit it resolved to when the run started (HEAD~3 moves while others commit). */
  commit: string;
  subject: string;
  /** The Tollgate row it duplicates (`tollgate` unless --baseline-row), whose req/s is divided by it. */
  current: string;
  row: string;
  /** Set when REF's package-lock.json is not the current one: the row still uses today's node_modules. */
  warning: string | null;
}

export const baselineRowName = (ref: string, current = CURRENT_ROW): string => `${current}@${ref}`;

/** Resolves REF once, up front; throws with git's message if it is not a commit. */
export function resolveBaselineRef(repoRoot: string, ref: string, current = CURRENT_ROW): BaselineRef {
  const commit = git(repoRoot, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`);
  const subject = git(repoRoot, 'log', '-1', '--format=%s', commit);
  let oldLock: string | null;
  try {
    oldLock = git(repoRoot, 'show', `${commit}:package-lock.json`);
  } catch {
    oldLock = null; // no lockfile at REF
  }
  const currentLock = readFileSync(join(repoRoot, 'package-lock.json'), 'utf8').trim();
  const warning =
    oldLock === currentLock
      ? null
      : `warning: package-lock.json at ${commit.startsWith(ref) ? ref : `${ref} (${commit.slice(0, 7)})`} ${oldLock === null ? 'is missing' : 'differs from the current one'}; ` +
        `${baselineRowName(ref, current)} runs with the current node_modules, so the comparison may not be like for like`;
  return { ref, commit, subject, current, row: baselineRowName(ref, current), warning };
}

/**
 * The extra row: kind `tollgate`, the duplicated row's configuration (its args, headers and
 * prepare step: a config file, a Redis, a token) launched from a fresh worktree of the commit.
 */
export function baselineRefRow(repoRoot: string, base: BaselineRef, current?: Row): Row {
  return {
    ...current,
    name: base.row,
    kind: 'tollgate',
    prepare: async (ctx): Promise<Prepared> => {
      const own = current?.prepare ? await current.prepare(ctx) : {};
      try {
        const tree = await worktreeOf(repoRoot, base);
        return { ...own, root: tree.root, cleanup: async () => { await tree.cleanup(); await own.cleanup?.(); } };
      } catch (err) {
        await own.cleanup?.();
        throw err;
      }
    },
  };
}

/** One worktree per prepare (i.e. per scenario), removed by cleanup right after the row. */
async function worktreeOf(repoRoot: string, base: BaselineRef): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `tollgate-ref-${base.commit.slice(0, 7)}-`));
  removeOnExit(repoRoot);
  live.add(dir);
  try {
    git(repoRoot, 'worktree', 'add', '--detach', dir, base.commit);
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } catch (err) {
    removeWorktree(repoRoot, dir);
    throw err;
  }
  return { root: dir, cleanup: async () => removeWorktree(repoRoot, dir) };
}

// Worktrees not yet removed. Ctrl-C ends the run through process.exit() (lib/processes.ts), which
// skips measureRow's `finally`, so an exit hook removes whatever is left; it must be synchronous.
const live = new Set<string>();
let exitHook = false;
function removeOnExit(repoRoot: string): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const dir of live) removeWorktree(repoRoot, dir);
  });
}

function removeWorktree(repoRoot: string, dir: string): void {
  if (!live.delete(dir)) return;
  // The symlink goes first, by itself, so that nothing below can ever walk into the real node_modules.
  try {
    unlinkSync(join(dir, 'node_modules'));
  } catch {
    // not created (prepare failed early)
  }
  try {
    git(repoRoot, 'worktree', 'remove', '--force', dir);
  } catch (err) {
    // e.g. `worktree add` itself failed: then there is no worktree entry, only the temp dir.
    console.error(`bench: git worktree remove ${dir}: ${(err as Error).message.split('\n')[0]}`);
  }
  rmSync(dir, { recursive: true, force: true });
}

export interface RefRatio {
  scenario: string;
  workload: string;
  /** The current row's req/s ÷ its `@REF` twin's; null when either does not score. */
  ratio: number | null;
}

/** Per query the current row's req/s as a ratio of the baseline-ref row's, in this run. */
export function refRatios(results: RowResult[], base: BaselineRef): RefRatio[] {
  return results
    .filter((r) => r.row === base.current)
    .map((cur) => {
      const old = results.find((r) => r.row === base.row && r.scenario === cur.scenario && r.workload === cur.workload);
      const ok = scores(cur) && old !== undefined && scores(old) && !!old.requestsPerSec && cur.requestsPerSec !== undefined;
      return { scenario: cur.scenario, workload: cur.workload, ratio: ok ? cur.requestsPerSec! / old.requestsPerSec! : null };
    });
}

/** e.g. `tollgate vs tollgate@a84bc5f: heavy 1.02×, top-products 0.98×` */
export function refRatioLine(ratios: RefRatio[], base: BaselineRef): string {
  const cells = ratios.map((r) => `${r.workload} ${r.ratio === null ? '— (does not score)' : `${r.ratio.toFixed(2)}×`}`);
  return `${base.current} vs ${base.row}: ${cells.length > 0 ? cells.join(', ') : `— (${base.current} not measured)`}`;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).trim();
}
