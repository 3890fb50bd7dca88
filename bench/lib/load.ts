// Parent side of the load worker: one worker process per measurement, bounded in time.
import { fileURLToPath } from 'node:url';
import type { GoMessage, LoadJob, LoadResult, WorkerMessage } from '../load-worker.ts';
import { forkChild } from './processes.ts';

const WORKER = fileURLToPath(new URL('../load-worker.ts', import.meta.url));

/**
 * Runs one job. When the warm-up is over, `beforeMeasuring` runs (e.g. wait for the warm-up's
 * last requests to drain, read counters, start meters) and the measurement starts once it resolves.
 */
export async function runLoad(
  job: LoadJob,
  cwd: string,
  beforeMeasuring: () => Promise<void> = async () => {},
): Promise<LoadResult> {
  const child = forkChild('load-worker', WORKER, [], { cwd, execArgv: ['--import', 'tsx'] });
  // Warm-up + measurement + slack for start-up, the drain between the two and the last in-flight requests.
  const limitMs = (job.warmupSeconds + job.durationSeconds + 45) * 1000;
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`load worker ran over ${limitMs / 1000} s`)), limitMs);
      child.proc.on('message', (m: WorkerMessage) => {
        if (m.type === 'warmed') {
          const go: GoMessage = { type: 'go' };
          beforeMeasuring().then(
            () => child.proc.send(go, () => {}),
            (err: unknown) => {
              clearTimeout(timer);
              reject(err instanceof Error ? err : new Error(String(err)));
            },
          );
          return;
        }
        clearTimeout(timer);
        if (m.type === 'done') resolve(m.result);
        else reject(new Error(`load worker: ${m.error}`));
      });
      // Grace period: the result message may be delivered just after the exit event.
      void child.exited.then((code) =>
        setTimeout(() => {
          clearTimeout(timer);
          reject(new Error(`load worker exited (${code}) without a result: ${child.logTail().trim()}`));
        }, 1000),
      );
      child.proc.send(job);
    });
  } finally {
    await child.stop(2000);
  }
}
