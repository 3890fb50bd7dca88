// The memory budget of `tollgate serve`, applied before the gateway starts. V8 fixes its heap
// limits when a process starts, so a budget (memory.max_mb, else the container's cgroup limit) is
// applied by running the gateway in a child process started with heap flags, this process staying
// as its supervisor: it forwards SIGINT/SIGTERM/SIGHUP over IPC and exits with the child's code.
// Plain JavaScript on purpose (no tsx, no config schema): the supervisor holds ~12 MB of its own.
// It reads only `memory.max_mb`; the gateway validates the whole file again and names a bad key.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, constants } from 'node:os';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';

/** Smallest budget (gateway/src/memory/config.ts validates memory.max_mb against the same). */
export const MIN_BUDGET_MB = 256;
/** Carries the decision to the gateway, which logs it and sizes its caches by it. */
export const BUDGET_ENV = 'TOLLGATE_MEMORY_BUDGET';
/** What the process holds outside V8's heap under load: node itself, the tsx loader thread, buffers. */
const NON_HEAP_MB = 112;
/** A cgroup limit also covers this supervisor and page cache charged to the container. */
const CGROUP_SHARE = 0.9;
/** With workers, what the cluster primary holds of a cgroup limit (it serves nothing; ~70 MB RSS). */
const PRIMARY_MB = 96;
/** cgroup v1 says "no limit" with a number near 2^63. */
const UNLIMITED_BYTES = 2 ** 50;

/**
 * @typedef {{ budgetMb: number, source: 'memory.max_mb' | 'cgroup' }} Budget
 * @typedef {Budget & { maxOldSpaceMb: number, maxSemiSpaceMb: number }} AppliedBudget
 */

/**
 * The V8 heap flags for a budget: old space gets what the young generation and NON_HEAP_MB leave.
 * The young generation keeps V8's 16 MB semi-spaces from 512 MB on: 8 MB ones cost a third of
 * the heavy query's throughput under load (requests' data promoted, more full GCs; BENCHMARKS.md),
 * 32 MB ones bought nothing; under 512 MB the old space needs the room more.
 * @param {number} budgetMb
 */
export function heapSettings(budgetMb) {
  const maxSemiSpaceMb = budgetMb >= 512 ? 16 : budgetMb >= 384 ? 8 : 4;
  const maxOldSpaceMb = Math.max(64, budgetMb - NON_HEAP_MB - 3 * maxSemiSpaceMb);
  return { maxOldSpaceMb, maxSemiSpaceMb, flags: [`--max-old-space-size=${maxOldSpaceMb}`, `--max-semi-space-size=${maxSemiSpaceMb}`] };
}

/**
 * The budget of each gateway process for `serve <args>`: memory.max_mb of the config file it will
 * read (each worker's), else the cgroup limit shared by the workers (and, with more than one,
 * their primary), else none. An unreadable file or an unusable value is left for the gateway to report.
 * @param {string[]} serveArgs
 * @param {NodeJS.ProcessEnv} env
 * @param {{ cgroupRoot?: string, procSelfCgroup?: string }} [where]
 * @returns {Budget | undefined}
 */
export function findBudget(serveArgs, env, where = {}) {
  const configured = configuredBudget(serveArgs, env);
  if (configured === null) return undefined;
  if (configured !== undefined) return { budgetMb: configured, source: 'memory.max_mb' };
  const limit = cgroupLimitMb(where.cgroupRoot, where.procSelfCgroup);
  if (limit === undefined) return undefined;
  const workers = configuredWorkers(serveArgs, env);
  const shared = limit * CGROUP_SHARE - (workers > 1 ? PRIMARY_MB : 0);
  return { budgetMb: Math.floor(shared / workers), source: 'cgroup' };
}

/**
 * The worker processes `serve <args>` will start: --workers, else server.workers of its config
 * file, "auto" being the cores this process may use; 1 when unset or unusable (the gateway then
 * refuses the value, naming it).
 * @param {string[]} serveArgs
 * @param {NodeJS.ProcessEnv} env
 * @returns {number}
 */
export function configuredWorkers(serveArgs, env) {
  let values;
  try {
    ({ values } = parseArgs({ args: serveArgs, options: { config: { type: 'string' }, supergraph: { type: 'string' }, workers: { type: 'string' } }, strict: false }));
  } catch {
    return 1;
  }
  let raw = values.workers;
  if (raw === undefined && !(values.config === undefined && values.supergraph !== undefined)) {
    try {
      raw = parseYaml(readFileSync(typeof values.config === 'string' ? values.config : 'gateway/gateway.yaml', 'utf8'))?.server?.workers;
    } catch {
      return 1;
    }
  }
  const text = typeof raw === 'string' ? expandPlaceholders(raw, env)?.trim() : raw;
  if (text === 'auto') return availableParallelism();
  const value = typeof text === 'string' && /^\d+$/.test(text) ? Number(text) : text;
  return Number.isInteger(value) && value >= 1 ? value : 1;
}

/**
 * memory.max_mb as `serve` will read it: a number, undefined when unset, null when set but not a
 * whole number of MB at or over MIN_BUDGET_MB (the gateway then refuses it, naming the key).
 * @param {string[]} serveArgs
 * @param {NodeJS.ProcessEnv} env
 * @returns {number | null | undefined}
 */
export function configuredBudget(serveArgs, env) {
  let values;
  try {
    ({ values } = parseArgs({ args: serveArgs, options: { config: { type: 'string' }, supergraph: { type: 'string' } }, strict: false }));
  } catch {
    return undefined;
  }
  // As serve: --supergraph without --config runs on defaults.
  if (values.config === undefined && values.supergraph !== undefined) return undefined;
  const file = typeof values.config === 'string' ? values.config : 'gateway/gateway.yaml';
  let raw;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'))?.memory?.max_mb;
  } catch {
    return undefined;
  }
  if (raw === undefined || raw === null) return undefined;
  const text = typeof raw === 'string' ? expandPlaceholders(raw, env) : raw;
  const value = typeof text === 'string' && /^\s*\d+\s*$/.test(text) ? Number(text) : text;
  return Number.isInteger(value) && value >= MIN_BUDGET_MB ? value : null;
}

/**
 * gateway/src/core/env.ts's placeholders for one value: ${NAME}, ${NAME:-default}, ${env.NAME};
 * undefined when one cannot be expanded (the gateway then says why).
 * @param {string} text
 * @param {NodeJS.ProcessEnv} env
 */
export function expandPlaceholders(text, env) {
  let failed = false;
  const expanded = text.replace(/\$\{(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, namespace, name, fallback) => {
    const found = env[name];
    if (namespace !== undefined && namespace !== 'env') failed = true;
    else if (found !== undefined && found !== '') return found;
    else if (fallback !== undefined) return fallback;
    else failed = true;
    return whole;
  });
  return failed ? undefined : expanded;
}

/**
 * The memory limit of this process's cgroup in MB (v2 memory.max, v1 memory.limit_in_bytes), the
 * smallest along its path up to the root; undefined when there is none.
 * @param {string} [root]
 * @param {string} [procSelfCgroup] the text of /proc/self/cgroup
 */
export function cgroupLimitMb(root = '/sys/fs/cgroup', procSelfCgroup = readOr('/proc/self/cgroup')) {
  const lines = procSelfCgroup.split('\n');
  const v2 = lines.find((line) => line.startsWith('0::'))?.slice(3) ?? '/';
  const v1 = lines.map((line) => line.split(':')).find((parts) => parts[1]?.split(',').includes('memory'))?.[2] ?? '/';
  const limits = [...ancestors(v2).map((dir) => `${root}${dir}/memory.max`), ...ancestors(v1).map((dir) => `${root}/memory${dir}/memory.limit_in_bytes`)]
    .map((file) => Number(readOr(file).trim()))
    .filter((bytes) => Number.isFinite(bytes) && bytes > 0 && bytes < UNLIMITED_BYTES);
  return limits.length === 0 ? undefined : Math.floor(Math.min(...limits) / 2 ** 20);
}

/** '/a/b' → ['/a/b', '/a', '']; '/' → ['']. @param {string} path */
function ancestors(path) {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, parts.length - i).join('/')}`).concat('');
}

/** @param {string} file */
function readOr(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The operator's own heap flags win over a budget. @param {readonly string[]} args */
function hasHeapFlag(args) {
  return args.some((arg) => /^--max-(old-space|semi-space|heap)-size\b/.test(arg.replace(/_/g, '-')));
}

/**
 * `tollgate <argv>`: when it is `serve` under a budget and not already its child, starts the
 * gateway as a child process with the budget's heap flags and supervises it; returns whether it
 * did (else this process runs the command itself).
 * @param {string[]} argv
 * @param {string} entry this script, for the child to run
 * @param {NodeJS.ProcessEnv} [env]
 */
export function superviseUnderBudget(argv, entry, env = process.env) {
  if (argv[0] !== 'serve' || argv.includes('--help') || argv.includes('-h')) return false;
  // A cluster worker (server.workers): its primary was started under the budget, or none applies.
  if (env['NODE_UNIQUE_ID'] !== undefined) return false;
  if (env[BUDGET_ENV] !== undefined || hasHeapFlag(process.execArgv) || hasHeapFlag((env['NODE_OPTIONS'] ?? '').split(/\s+/))) return false;
  const budget = findBudget(argv.slice(1), env);
  if (budget === undefined) return false;
  if (budget.budgetMb < MIN_BUDGET_MB) {
    // Only a cgroup limit shared by workers gets here (memory.max_mb has the same floor).
    const workers = configuredWorkers(argv.slice(1), env);
    console.error(
      `tollgate serve: server.workers: ${workers} workers under this container's memory limit leave each ${budget.budgetMb} MB, ` +
        `under the ${MIN_BUDGET_MB} MB a gateway process needs: start fewer (--workers) or raise the limit`,
    );
    process.exit(1);
  }
  const { maxOldSpaceMb, maxSemiSpaceMb, flags } = heapSettings(budget.budgetMb);
  /** @type {AppliedBudget} */
  const applied = { ...budget, maxOldSpaceMb, maxSemiSpaceMb };
  const child = spawn(process.execPath, [...process.execArgv, ...flags, entry, ...argv], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...env, [BUDGET_ENV]: JSON.stringify(applied) },
  });
  // Over IPC, not as signals: the gateway tells the supervisor's from ones sent to it directly
  // (a terminal's Ctrl-C, systemd's KillMode=control-group reach both processes at once).
  const forward = (/** @type {NodeJS.Signals} */ signal) => {
    if (child.connected) child.send({ tollgate: 'signal', signal });
  };
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) process.on(signal, forward);
  child.on('error', (error) => {
    console.error(`tollgate serve: cannot start the gateway process: ${error.message}`);
    process.exit(1);
  });
  // A child ended by a signal (the OOM killer's SIGKILL, V8's abort) exits as a shell reports it: 128 + n.
  // Said on stderr, since the gateway could not log it itself; no restart here: that is the
  // process manager's (systemd, Kubernetes), which sees the exit code.
  child.on('exit', (code, signal) => {
    if (signal) console.error(`tollgate serve: the gateway process (pid ${child.pid}) was ended by ${signal}; exiting`);
    process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0));
  });
  return true;
}
