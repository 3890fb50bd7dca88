// Every child process the harness starts goes through here, so that all of them are stopped
// when a run ends, fails, or is interrupted (Ctrl-C), and only those, by pid.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Child {
  name: string;
  pid: number;
  proc: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<string>;
  hasExited(): boolean;
  /** Last few KB of stdout+stderr, for "failed to start" diagnostics. */
  logTail(): string;
  /** Resolves once `pattern` has appeared in stdout+stderr (checked on each chunk), rejects after `timeoutMs` or on exit. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Child>();
const TAIL_BYTES = 4096;

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Node flags for fork (e.g. ['--import', 'tsx']). */
  execArgv?: string[];
}

/** Runs `command args` with piped output; stdin is a pipe so our own children see us go. */
export function spawnChild(name: string, command: string, args: string[], opts: StartOptions = {}): Child {
  const proc = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  return track(name, proc);
}

/** Forks a Node module with an IPC channel (messages in and out). */
export function forkChild(name: string, module: string, args: string[], opts: StartOptions = {}): Child {
  const proc = fork(module, args, {
    cwd: opts.cwd,
    env: opts.env,
    execArgv: opts.execArgv ?? [],
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
  });
  return track(name, proc);
}

function track(name: string, proc: ChildProcess): Child {
  if (proc.pid === undefined) throw new Error(`${name}: could not start process`);
  let tail = '';
  const watchers = new Set<() => void>();
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
    for (const watch of watchers) watch();
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.stdin?.on('error', () => {}); // EPIPE when the child is already gone
  let done = false;
  const exited = new Promise<string>((resolve) => {
    proc.once('exit', (code, signal) => {
      done = true;
      live.delete(child);
      resolve(signal ?? String(code));
    });
    proc.once('error', (err) => {
      done = true;
      live.delete(child);
      resolve(`error: ${err.message}`);
    });
  });
  const child: Child = {
    name,
    pid: proc.pid,
    proc,
    exited,
    hasExited: () => done,
    logTail: () => tail,
    waitForOutput(pattern, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no ${pattern} in its output within ${timeoutMs / 1000} s`)), timeoutMs);
        const finish = (error?: Error) => {
          clearTimeout(timer);
          watchers.delete(watch);
          if (error) reject(error);
          else resolve();
        };
        // Seen once is enough: a match is kept even when later output pushes it out of the tail.
        const watch = () => {
          if (pattern.test(tail)) finish();
          else if (done) finish(new Error(`exited before ${pattern} appeared`));
        };
        watchers.add(watch);
        void exited.then(() => watchers.has(watch) && watch());
        watch();
      });
    },
    async stop(graceMs = 5000) {
      if (done) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(child);
  return child;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(3000)));
}

/** Last-resort cleanup: on exit (sync) kill whatever is left; on Ctrl-C stop all, then exit. */
export function installCleanupHandlers(): void {
  process.on('exit', () => {
    for (const c of live) c.proc.kill('SIGKILL');
  });
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupted) process.exit(130); // second Ctrl-C: don't wait
      interrupted = true;
      console.error(`\n${signal}: stopping ${live.size} child process(es)…`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

// A gateway may be several processes: Tollgate under a memory budget is a supervisor and its
// child (bin/memory-budget.mjs), Hive Gateway's CLI may fork workers. Memory and CPU are those of
// the process started and all its descendants, summed (shared pages, e.g. the node binary, count
// once per process: the sum errs high for a process tree, never low).

/** Peak resident set size (VmHWM) of a live process and its descendants in MB, or null where /proc is missing. */
export function peakRssMb(pid: number): number | null {
  return sumOverTree(pid, (p) => statusMb(p, 'VmHWM'));
}

/** Current resident set size (VmRSS) of a live process and its descendants in MB, or null where /proc is missing. */
export function rssMb(pid: number): number | null {
  return sumOverTree(pid, (p) => statusMb(p, 'VmRSS'));
}

/** CPU seconds (user + system) a live process and its live descendants have used so far, or null where /proc is missing. */
export function cpuSeconds(pid: number): number | null {
  return sumOverTree(pid, ownCpuSeconds);
}

/** `read` of the process and of each descendant alive now, summed; null when the process itself cannot be read. */
function sumOverTree(pid: number, read: (pid: number) => number | null): number | null {
  const own = read(pid);
  if (own === null) return null;
  return descendants(pid).reduce((sum, child) => sum + (read(child) ?? 0), own);
}

/** Pids of a process's descendants, from every /proc/<pid>/stat's parent pid. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const parent = statFields(Number(name))?.[1];
    if (parent === undefined) continue;
    const list = children.get(Number(parent)) ?? [];
    list.push(Number(name));
    children.set(Number(parent), list);
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0; ) {
    const next = children.get(queue.shift() as number) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

/** /proc/<pid>/stat's fields after the parenthesised command name (state, ppid, …), or null. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function ownCpuSeconds(pid: number): number | null {
  // utime and stime are fields 14 and 15 of the line.
  const fields = statFields(pid);
  if (fields === null) return null;
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks / CLOCK_TICKS : null;
}

// USER_HZ: 100 on every mainstream Linux build.
const CLOCK_TICKS = 100;

/** Samples CPU use of some processes over a window: call start(), then stop() → % of one core each. */
export function cpuMeter(pids: number[]): { start(): void; stop(): (number | null)[] } {
  let t0 = 0;
  let c0: (number | null)[] = [];
  return {
    start() {
      t0 = performance.now();
      c0 = pids.map(cpuSeconds);
    },
    stop() {
      const wall = (performance.now() - t0) / 1000;
      return pids.map((pid, i) => {
        const a = c0[i];
        const b = cpuSeconds(pid);
        return a == null || b == null || wall <= 0 ? null : Math.round(((b - a) / wall) * 100);
      });
    },
  };
}
