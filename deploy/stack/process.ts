// One process of the production stack: spawned with its output in a log file, watched for a
// line, stopped by its pid (SIGTERM, then SIGKILL after a bound). Nothing here knows the stack.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Null while it runs; its exit code or signal once it has exited. */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** Resolves once it has exited (at once if it already has). */
  whenExited(): Promise<void>;
  /** Resolves when `pattern` has appeared in its output; rejects if it exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Sends `signal` to this pid only. */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<void>;
  /** The last lines of its log, for error messages. */
  tail(lines?: number): string;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
}

export function spawnManaged(opts: SpawnOptions): ManagedProcess {
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const child: ChildProcess = spawn(opts.command, opts.args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let spawnError: Error | null = null;
  const watchers = new Set<() => void>();
  const notify = () => {
    for (const watch of watchers) watch();
  };
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    // Only the recent output is kept in memory: enough for the ready line and an error's tail.
    output = (output + chunk.toString('utf8')).slice(-64_000);
    notify();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      exit ??= { code: null, signal: null };
      notify();
      resolve();
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      log.end();
      notify();
      resolve();
    });
  });
  return {
    name: opts.name,
    // -1 when the command could not be started at all (the 'error' event says why).
    pid: child.pid ?? -1,
    logFile: opts.logFile,
    exited: () => exit,
    whenExited: () => exitedPromise,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output)) done(null);
          else if (exit) done(new Error(`${opts.name} exited (${spawnError?.message ?? describeExit(exit)}) before it was ready; its last output:\n${tailOf(output)}`));
        };
        const timer = setTimeout(() => done(new Error(`${opts.name} was not ready within ${timeoutMs} ms; its last output:\n${tailOf(output)}`)), timeoutMs);
        const done = (err: Error | null) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (err) reject(err);
          else resolve();
        };
        watchers.add(check);
        check();
      });
    },
    signal(signal) {
      if (exit === null && child.pid !== undefined) process.kill(child.pid, signal);
    },
    async stop(graceMs) {
      if (exit !== null || child.pid === undefined) return;
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (exit === null) process.kill(child.pid!, 'SIGKILL');
      }, graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
    tail(lines = 20) {
      return tailOf(output, lines);
    },
  };
}

export function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ? `ended by ${exit.signal}` : `exit code ${exit.code}`;
}

function tailOf(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
