// Load generator, run in its own process so it never shares a CPU thread with what it measures.
// Receives a LoadJob over IPC, runs a discarded warm-up, reports `warmed` and waits for the
// parent's `go` (the parent lets the warm-up's last requests drain and starts its meters), runs
// the measurement with autocannon, checks EVERY response body, and sends back a LoadResult.
import { createRequire } from 'node:module';
import { urlToHttpOptions } from 'node:url';
import autocannon from 'autocannon';
import { exitWithParent } from './lib/child.ts';
import { makeBodyCheck } from './lib/verify.ts';

export interface LoadJob {
  url: string;
  /** Default POST, with `body` as JSON (content-type: application/json); a GET sends no body. */
  method?: 'GET' | 'POST';
  /** JSON request body (POST). */
  body: string;
  /** The whole response body is the data (a REST endpoint), not a GraphQL response. */
  bodyIsData?: boolean;
  headers: Record<string, string>;
  connections: number;
  /** Requests per second over all connections (autocannon's overallRate); undefined: as fast as answered. */
  rate?: number | undefined;
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
  /** Requests sent during the measurement, including those still in flight when it ended. */
  sent: number;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyAvgMs: number;
  seconds: number;
  warmup: PhaseStats | null;
  /** This load generator's own CPU use over the measurement, % of one core. */
  cpuPercent: number;
  /** Bytes of one request as autocannon writes it: request line, headers and body. */
  requestBytes: number;
  /** First wrong body seen during measurement, truncated, to say what went wrong. */
  mismatchSample?: string;
}

/** What autocannon is given for one job (also what its request bytes are computed from). */
function requestOptions(job: LoadJob) {
  const post = (job.method ?? 'POST') === 'POST';
  return {
    url: job.url,
    method: post ? 'POST' : 'GET',
    headers: post ? { 'content-type': 'application/json', ...job.headers } : { ...job.headers },
    ...(post ? { body: job.body } : {}),
  };
}

/** One request's bytes, built by autocannon's own request builder (the bytes it writes per request). */
function requestBytes(job: LoadJob): number {
  const build = createRequire(import.meta.url)('autocannon/lib/httpRequestBuilder.js') as (defaults: object) => () => Buffer;
  const { url, ...options } = requestOptions(job);
  const target = new URL(url);
  // As autocannon's run.js makes a client's options from the URL.
  return build({ ...urlToHttpOptions(target), host: target.host, ...options })().length;
}

async function phase(job: LoadJob, seconds: number) {
  const instance = autocannon({
    ...requestOptions(job),
    connections: job.connections,
    ...(job.rate === undefined ? {} : { overallRate: job.rate }),
    duration: seconds,
    verifyBody: makeBodyCheck(job.expectedData, job.bodyIsData),
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
  | { type: 'warmed' }
  | { type: 'done'; result: LoadResult }
  | { type: 'error'; error: string };

/** Parent → worker, after `warmed`: start measuring now. */
export interface GoMessage {
  type: 'go';
}

const send = (m: WorkerMessage, then: () => void = () => {}) => process.send?.(m, then);

async function run(job: LoadJob, go: Promise<void>): Promise<LoadResult> {
  const warmup = job.warmupSeconds > 0 ? (await phase(job, job.warmupSeconds)).stats : null;
  // The parent samples CPU time and the subgraphs' request counter over the measured window only.
  send({ type: 'warmed' });
  await go;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { r, stats, mismatchSample } = await phase(job, job.durationSeconds);
  const cpu = process.cpuUsage(cpu0);
  return {
    ...stats,
    sent: r.requests.sent ?? stats.requests,
    requestsPerSec: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyAvgMs: r.latency.average,
    seconds: r.duration,
    warmup,
    cpuPercent: Math.round((cpu.user + cpu.system) / 10 / (performance.now() - t0)),
    requestBytes: requestBytes(job),
    ...(mismatchSample === undefined ? {} : { mismatchSample }),
  };
}

exitWithParent();
let started: (() => void) | undefined;
const go = new Promise<void>((resolve) => (started = resolve));
process.on('message', (m: LoadJob | GoMessage) => {
  if ('type' in m) {
    if (m.type === 'go') started?.();
    return;
  }
  const job = m;
  run(job, go).then(
    (result) => send({ type: 'done', result }, () => process.exit(0)),
    (err: unknown) => send({ type: 'error', error: String(err) }, () => process.exit(1)),
  );
});
