// The rows of the benchmark table: which gateways (and which Tollgate configurations) are
// measured, in table order. To add a Tollgate feature row, add one entry here, e.g.
//   { name: 'tollgate+auth', kind: 'tollgate', args: ['--config', 'bench/configs/auth.yaml'],
//     headers: { authorization: `Bearer ${TOKEN}` } }
// `prepare` covers anything that must happen first (write a config, start Redis, mint a token).

import { prepareAuthRow } from './auth-row.ts';
import { prepareCacheRow } from './cache-rows.ts';
import { prepareFullRow } from './full-row.ts';
import { prepareLbRow } from './lb-row.ts';
import { prepareHiveRouterRuntimeNoDedupRow, prepareHiveRouterRuntimeRow } from './hive-rows.ts';
import { prepareMemoryBudgetRow } from './memory-rows.ts';
import { prepareDemandControlRow, prepareQuotasMemoryRow, prepareQuotasRedisRow, prepareRequestQuotaRow } from './quotas-row.ts';
import { prepareNoDedupRow } from './resilience-rows.ts';
import { prepareRestRow, REST_ROW } from './rest-row.ts';
import { prepareTelemetryOffRow, prepareTracingRow } from './telemetry-rows.ts';

export type RowKind = 'tollgate' | 'tollgate-lb' | 'apollo-gateway' | 'hive-gateway' | 'subgraph-direct';

export interface PrepareContext {
  /** Scratch directory of this run (deleted at the end). */
  runDir: string;
  supergraphPath: string;
  scenario: string;
}

export interface Prepared {
  args?: string[];
  env?: Record<string, string>;
  headers?: Record<string, string>;
  /** Tollgate rows: run this checkout's gateway/src/cli.ts instead of the current tree's (baseline-ref.ts). */
  root?: string;
  /** Hive rows: the gateway's cwd, where its CLI looks for gateway.config.* (default: the bare run dir). */
  cwd?: string;
  cleanup?: () => Promise<void>;
}

export interface Row {
  name: string;
  kind: RowKind;
  /** Extra CLI args, appended after the standard ones (tollgate: `serve --supergraph f --port n`). */
  args?: string[];
  /** Extra environment for the gateway process. */
  env?: Record<string, string>;
  /** Extra headers sent with every request of the load (e.g. a JWT or an API key). */
  headers?: Record<string, string>;
  prepare?: (ctx: PrepareContext) => Promise<Prepared>;
  /** Only in these scenarios (e.g. a config that names the demo's documents); default every scenario. */
  scenarios?: readonly string[];
  /** Ready only once this has appeared in the gateway's output too (e.g. every worker of --workers started). */
  readyOutput?: RegExp;
}

/** The row every other row's req/s is divided by, in the same run. */
export const BASELINE = 'apollo-gateway';

export const rows: readonly Row[] = [
  // Tollgate with its defaults: every optional feature off, metrics and the access log on.
  { name: 'tollgate', kind: 'tollgate' },
  // The same with metrics and the access log off too (issue 12: their price).
  { name: 'tollgate+telemetry-off', kind: 'tollgate', prepare: prepareTelemetryOffRow },
  // The defaults plus OpenTelemetry tracing, every request sampled, then 1 in 100 (OTLP/HTTP to a sink).
  { name: 'tollgate+tracing-100', kind: 'tollgate', prepare: prepareTracingRow(1) },
  { name: 'tollgate+tracing-1', kind: 'tollgate', prepare: prepareTracingRow(0.01) },
  // The same with edge authentication required: an RS256 bearer token on every request.
  { name: 'tollgate+auth', kind: 'tollgate', prepare: prepareAuthRow },
  // Demand control (measure) and a per-client request + cost quota that never refuses: the
  // embedded memory store, then a redis-server of the row's own (one EVALSHA per request).
  { name: 'tollgate+quotas-memory', kind: 'tollgate', prepare: prepareQuotasMemoryRow },
  // Its two halves apart: demand control alone (estimate + actual cost), a request-rate rule alone (memory store).
  { name: 'tollgate+demand-control', kind: 'tollgate', prepare: prepareDemandControlRow },
  { name: 'tollgate+request-quota', kind: 'tollgate', prepare: prepareRequestQuotaRow },
  { name: 'tollgate+quotas-redis', kind: 'tollgate', prepare: prepareQuotasRedisRow },
  // Everything at once: auth, demand control, Redis quotas, metrics and the access log.
  { name: 'tollgate+full', kind: 'tollgate', prepare: prepareFullRow },
  // All cores (issue 18): `--workers 2`, a cluster primary and two workers on one port. Its CPU is
  // the three processes' together; compare req/CPU-s with `tollgate` (the load generator and the
  // subgraphs share the machine's cores, so req/s alone says little on a 2-core machine).
  { name: 'tollgate+workers-2', kind: 'tollgate', args: ['--workers', '2'], readyOutput: /tollgate: serving \S+ with 2 workers/ },
  // Scale-out (issue 18): three single-process replicas behind HAProxy (deploy/haproxy/haproxy.cfg,
  // as `npm run stack:prod`), one process tree: CPU and RSS are the replicas', HAProxy's and the
  // supervisor's together (bench/gateways/tollgate-lb.ts; lb-row.ts prints HAProxy's share).
  { name: 'tollgate+lb-3', kind: 'tollgate-lb', prepare: prepareLbRow, readyOutput: /tollgate-lb: 3 replicas UP/ },
  // Under a memory budget (memory.max_mb): a supervisor and the gateway started with V8 heap flags.
  { name: 'tollgate+memory-512', kind: 'tollgate', prepare: prepareMemoryBudgetRow(512) },
  // Identical in-flight query fetches to a subgraph not shared (deduplicate_query: false; on by default).
  { name: 'tollgate+no-dedup', kind: 'tollgate', prepare: prepareNoDedupRow },
  // The demo's home screen three ways on one gateway (issue 15): free-form, trusted document by id,
  // and GET /api/v1/home (the demo's manifest and REST endpoint; demo scenario only).
  { name: REST_ROW, kind: 'tollgate', prepare: prepareRestRow, scenarios: ['demo'] },
  // The edge cache (issue 19, cache-rows.ts): warm and cold, in memory and in a Redis of the row's own.
  { name: 'tollgate+cache', kind: 'tollgate', prepare: prepareCacheRow('memory', false) },
  { name: 'tollgate+cache-cold', kind: 'tollgate', prepare: prepareCacheRow('memory', true) },
  { name: 'tollgate+cache-redis', kind: 'tollgate', prepare: prepareCacheRow('redis', false) },
  { name: 'tollgate+cache-redis-cold', kind: 'tollgate', prepare: prepareCacheRow('redis', true) },
  { name: 'apollo-gateway', kind: 'apollo-gateway' },
  { name: 'hive-gateway', kind: 'hive-gateway' },
  // The same CLI with Hive Router's Rust query planner (@graphql-hive/router-runtime) set as
  // `unifiedGraphHandler` in a gateway.config.mjs (hive-rows.ts).
  { name: 'hive-router-runtime', kind: 'hive-gateway', prepare: prepareHiveRouterRuntimeRow },
  // … and without its default sharing of identical in-flight subgraph requests (like tollgate+no-dedup).
  { name: 'hive-router-runtime+no-dedup', kind: 'hive-gateway', prepare: prepareHiveRouterRuntimeNoDedupRow },
  // Single-hop reference: the scenario's direct query straight at one subgraph, no gateway.
  { name: 'subgraph-direct', kind: 'subgraph-direct' },
];
