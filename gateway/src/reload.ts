// Config reload (SIGHUP): which keys a running gateway can take on, and which need a restart.
// Live: limits, quotas (rules, trusted proxies), authentication (keys, JWKS), client profiles, demand control,
// traffic shaping, executor, CSRF, introspection, the plan and document caches' bounds. A restart: where it listens and answers, where
// the supergraph and Redis are, how it logs — the things built once around the listener.
import type { GatewayConfig } from './config/schema.ts';

const RESTART_ONLY: ReadonlyArray<(config: GatewayConfig) => [key: string, value: unknown]> = [
  (c) => ['server.listen', c.server.listen],
  (c) => ['server.graphql_path', c.server.graphql_path],
  (c) => ['server.health_path', c.server.health_path],
  (c) => ['server.ready_path', c.server.ready_path],
  // The processes are forked once by the primary (serve-command.ts).
  (c) => ['server.workers', c.server.workers],
  (c) => ['supergraph', c.supergraph],
  (c) => ['redis', c.redis],
  (c) => ['admin', c.admin],
  // Trusted documents only grow while the gateway runs (app versions in the field keep their ids).
  (c) => ['persisted_documents', c.persisted_documents],
  (c) => ['quotas.on_store_failure', c.quotas.on_store_failure],
  (c) => ['telemetry', c.telemetry],
  // The explorer's page and files are built once around the listener (introspection, live, still turns it off).
  (c) => ['explorer', c.explorer],
  // V8's heap is sized when the process starts; the persisted-query cache outlives every reload.
  (c) => ['memory.max_mb', c.memory.max_mb],
  (c) => ['memory.heap_growing_percent', c.memory.heap_growing_percent],
  (c) => ['memory.persisted_query_cache', c.memory.persisted_query_cache],
  // The edge cache's store and its Redis connections are built once; what it holds outlives reloads.
  (c) => ['cache', c.cache],
];

/** The restart-only keys whose values differ between the running config and `next`. */
export function restartOnlyChanges(running: GatewayConfig, next: GatewayConfig): string[] {
  return RESTART_ONLY.flatMap((read) => {
    const [key, before] = read(running);
    const [, after] = read(next);
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [key];
  });
}
