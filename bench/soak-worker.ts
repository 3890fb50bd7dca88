// Load generator of the soak (`npm run bench -- --soak`), in its own process like load-worker.ts:
// `clients` concurrent clients, each sending its next request as soon as the previous answer is in,
// for `seconds`. Requests cycle through the queries in groups of four: the query as written, then
// three distinct texts (operationVariants: a new operation name and root-field alias each time), so
// 3 of 4 requests are an operation the gateway has never seen. Every answer is checked (a variant's
// body with its alias renamed back must be a correct answer). Progress goes to the parent every
// second, for the RSS curve; the result at the end.
import { Pool } from 'undici';
import { exitWithParent } from './lib/child.ts';
import { operationVariants } from './lib/operations.ts';
import { makeBodyCheck } from './lib/verify.ts';

export interface SoakJob {
  url: string;
  headers: Record<string, string>;
  clients: number;
  seconds: number;
  /** The queries (as written) and the data each must answer with. */
  queries: { name: string; query: string; expectedData: unknown }[];
}

export interface SoakProgress {
  /** Answers received so far (right or wrong). */
  requests: number;
  /** Of which distinct (never sent before) operation texts. */
  fresh: number;
  errors: number;
}

export interface SoakLoadResult extends SoakProgress {
  /** Wall time from the first request to the last answer. */
  seconds: number;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Of `errors`: non-2xx answers, wrong bodies, socket errors and timeouts. */
  non2xx: number;
  mismatches: number;
  socketErrors: number;
  /** First bad answer or error seen, truncated. */
  errorSample?: string;
  /** This generator's own CPU use, % of one core. */
  cpuPercent: number;
}

export type SoakWorkerMessage =
  | { type: 'progress'; progress: SoakProgress }
  | { type: 'done'; result: SoakLoadResult }
  | { type: 'error'; error: string };

const TIMEOUT_MS = 30_000;

async function run(job: SoakJob, report: (p: SoakProgress) => void): Promise<SoakLoadResult> {
  const url = new URL(job.url);
  const pool = new Pool(url.origin, {
    connections: job.clients,
    pipelining: 1,
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
    keepAliveTimeout: 60_000,
  });
  const headers = { 'content-type': 'application/json', ...job.headers };
  const queries = job.queries.map((q) => ({ variants: operationVariants(q.query), check: makeBodyCheck(q.expectedData) }));
  if (queries.length === 0) throw new Error('no queries');

  let sent = 0;
  const stats = { requests: 0, fresh: 0, errors: 0, non2xx: 0, mismatches: 0, socketErrors: 0 };
  let errorSample: string | undefined;
  const latencies: number[] = [];
  const bad = (sample: string) => {
    stats.errors++;
    errorSample ??= sample.slice(0, 500);
  };

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + job.seconds * 1000;
  const progress = setInterval(() => report({ requests: stats.requests, fresh: stats.fresh, errors: stats.errors }), 1000);

  async function client(): Promise<void> {
    while (performance.now() < end) {
      const n = sent++;
      const q = queries[Math.floor(n / 4) % queries.length]!;
      const fresh = n % 4 !== 0;
      const variant = fresh ? q.variants.variant(n) : null;
      const started = performance.now();
      try {
        const res = await pool.request({ path: url.pathname, method: 'POST', headers, body: variant?.body ?? q.variants.same });
        const text = await res.body.text();
        latencies.push(performance.now() - started);
        if (res.statusCode < 200 || res.statusCode >= 300) {
          stats.non2xx++;
          bad(`${res.statusCode} ${text}`);
        } else {
          // A variant answers its renamed field under the alias; `"alias":` occurs only as that key.
          const body = variant?.alias && q.variants.key ? text.replace(`"${variant.alias}":`, `"${q.variants.key}":`) : text;
          if (!q.check(body)) {
            stats.mismatches++;
            bad(text);
          }
        }
      } catch (err) {
        latencies.push(performance.now() - started);
        stats.socketErrors++;
        bad(String(err));
        await new Promise((r) => setTimeout(r, 10)); // e.g. connection refused: don't spin
      }
      stats.requests++;
      if (fresh) stats.fresh++;
    }
  }

  await Promise.all(Array.from({ length: job.clients }, client));
  clearInterval(progress);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length === 0 ? 0 : Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!));
  return {
    ...stats,
    seconds,
    requestsPerSec: stats.requests / seconds,
    latencyP50Ms: pct(0.5),
    latencyP99Ms: pct(0.99),
    ...(errorSample === undefined ? {} : { errorSample }),
    cpuPercent: Math.round((cpu.user + cpu.system) / 10 / (seconds * 1000)),
  };
}

const send = (m: SoakWorkerMessage, then: () => void = () => {}) => process.send?.(m, then);

exitWithParent();
process.once('message', (job: SoakJob) => {
  run(job, (progress) => send({ type: 'progress', progress })).then(
    (result) => send({ type: 'done', result }, () => process.exit(0)),
    (err: unknown) => send({ type: 'error', error: String(err) }, () => process.exit(1)),
  );
});
