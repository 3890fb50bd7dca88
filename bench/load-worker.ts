// Load generator, run in its own process so it never shares a CPU thread with what it measures.
// Receives a LoadJob over IPC, runs a discarded warm-up then the measurement with autocannon,
// checks EVERY response body, and sends back a LoadResult.
import autocannon from 'autocannon';
import { exitWithParent } from './lib/child.ts';
import { makeBodyCheck } from './lib/verify.ts';

export interface LoadJob {
  url: string;
  /** JSON request body (POST, content-type: application/json). */
  body: string;
  headers: Record<string, string>;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** The `data` every response must carry (no `errors`). */
  expectedData: unknown;
}

export interface PhaseStats {
  requests: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
}

export interface LoadResult extends PhaseStats {
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyAvgMs: number;
  seconds: number;
  warmup: PhaseStats | null;
  /** This load generator's own CPU use over the measurement, % of one core. */
  cpuPercent: number;
  /** First wrong body seen during measurement, truncated, to say what went wrong. */
  mismatchSample?: string;
}

async function phase(job: LoadJob, seconds: number) {
  const instance = autocannon({
    url: job.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...job.headers },
    body: job.body,
    connections: job.connections,
    duration: seconds,
    verifyBody: makeBodyCheck(job.expectedData),
  });
  let mismatchSample: string | undefined;
  instance.on('reqMismatch', (body: string) => {
    mismatchSample ??= String(body).slice(0, 500);
  });
  const r = await instance;
  const stats: PhaseStats = {
    requests: r.requests.total,
    errors: r.errors,
    timeouts: r.timeouts,
    mismatches: r.mismatches,
    non2xx: r.non2xx,
  };
  return { r, stats, mismatchSample };
}

export type WorkerMessage =
  | { type: 'measuring' }
  | { type: 'done'; result: LoadResult }
  | { type: 'error'; error: string };

const send = (m: WorkerMessage, then: () => void = () => {}) => process.send?.(m, then);

async function run(job: LoadJob): Promise<LoadResult> {
  const warmup = job.warmupSeconds > 0 ? (await phase(job, job.warmupSeconds)).stats : null;
  send({ type: 'measuring' }); // lets the parent sample CPU time over the measured window only
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { r, stats, mismatchSample } = await phase(job, job.durationSeconds);
  const cpu = process.cpuUsage(cpu0);
  return {
    ...stats,
    requestsPerSec: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyAvgMs: r.latency.average,
    seconds: r.duration,
    warmup,
    cpuPercent: Math.round((cpu.user + cpu.system) / 10 / (performance.now() - t0)),
    ...(mismatchSample === undefined ? {} : { mismatchSample }),
  };
}

exitWithParent();
process.once('message', (job: LoadJob) => {
  run(job).then(
    (result) => send({ type: 'done', result }, () => process.exit(0)),
    (err: unknown) => send({ type: 'error', error: String(err) }, () => process.exit(1)),
  );
});
