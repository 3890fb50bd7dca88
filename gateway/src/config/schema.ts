import { z } from 'zod';
import { authenticationConfigSchema } from '../auth/config.ts';
import { cacheConfigSchema } from '../cache/config.ts';
import { clientsConfigSchema } from '../clients/config.ts';
import { persistedDocumentsConfigSchema } from '../document/config.ts';
import { corsConfigSchema, csrfConfigSchema, limitsConfigSchema, serverConfigSchema } from '../http/config.ts';
import { demandControlConfigSchema } from '../cost/config.ts';
import { quotasConfigSchema, redisConfigSchema } from '../quota/config.ts';
import { restEndpointsConfigSchema, restPaths } from '../rest/config.ts';
import { explorerConfigSchema } from '../explorer/config.ts';
import { executorConfigSchema, overrideSubgraphUrlSchema, trafficShapingConfigSchema } from '../federation/config.ts';
import { memoryConfigSchema } from '../memory/config.ts';
import { adminConfigSchema, supergraphConfigSchema } from '../schema/config.ts';
import { telemetryConfigSchema } from '../telemetry/config.ts';
import { isRedisConfigured } from '../core/redis-client.ts';
import { checkProfileNames } from './profile-names.ts';

/** What a part that lives in Redis needs set: any one of them. */
const REDIS_KEYS = 'redis.url, redis.cluster or redis.sentinel';

/**
 * gateway.yaml: one schema, merged from the slices each stage declares next to its code.
 * Every key is optional except `supergraph`; unknown keys fail start-up with their path.
 */
export const gatewayConfigSchema = z.strictObject({
  server: serverConfigSchema.prefault({}),
  supergraph: supergraphConfigSchema,
  override_subgraph_url: overrideSubgraphUrlSchema,
  csrf: csrfConfigSchema.prefault({}),
  cors: corsConfigSchema.prefault({}),
  limits: limitsConfigSchema.prefault({}),
  traffic_shaping: trafficShapingConfigSchema.prefault({}),
  executor: executorConfigSchema,
  authentication: authenticationConfigSchema.prefault({}),
  clients: clientsConfigSchema.prefault({}),
  persisted_documents: persistedDocumentsConfigSchema.prefault({}),
  rest_endpoints: restEndpointsConfigSchema.prefault({}),
  redis: redisConfigSchema.prefault({}),
  demand_control: demandControlConfigSchema.prefault({}),
  quotas: quotasConfigSchema.prefault({}),
  telemetry: telemetryConfigSchema.prefault({}),
  memory: memoryConfigSchema.prefault({}),
  explorer: explorerConfigSchema.prefault({}),
  admin: adminConfigSchema.prefault({}),
  cache: cacheConfigSchema.prefault({}),
}).superRefine((config, ctx) => {
  // Keys of two slices that must agree: caught at start-up, each naming the key to change.
  const { metrics } = config.telemetry;
  const { server } = config;
  checkProfileNames(config, ctx);
  const noRedis = !isRedisConfigured(config.redis);
  if (config.persisted_documents.redis.enabled && noRedis) {
    ctx.addIssue({ code: 'custom', path: ['persisted_documents', 'redis', 'enabled'], message: `needs ${REDIS_KEYS}: published manifests live in Redis` });
  }
  if (config.supergraph.registry !== undefined && noRedis) {
    ctx.addIssue({ code: 'custom', path: ['supergraph', 'registry'], message: `needs ${REDIS_KEYS}: the registry lives in Redis` });
  }
  if (config.admin.listen !== undefined && noRedis) {
    ctx.addIssue({ code: 'custom', path: ['admin', 'listen'], message: `needs ${REDIS_KEYS}: the registry the admin listener serves lives in Redis` });
  }
  if (config.admin.listen !== undefined && config.admin.listen === server.listen && !server.listen.endsWith(':0')) {
    ctx.addIssue({ code: 'custom', path: ['admin', 'listen'], message: `the same address as server.listen (${server.listen}): the admin listener needs an address of its own` });
  }
  if (config.cache.enabled && config.executor === 'apollo') {
    ctx.addIssue({ code: 'custom', path: ['cache', 'enabled'], message: "the edge cache runs in Tollgate's executor: set executor: tollgate or turn the cache off" });
  }
  if (config.cache.enabled && config.cache.store === 'redis' && noRedis) {
    ctx.addIssue({ code: 'custom', path: ['cache', 'store'], message: `redis needs ${REDIS_KEYS}: the shared cache lives in Redis` });
  }
  if (config.persisted_documents.apq.store === 'redis' && noRedis) {
    ctx.addIssue({ code: 'custom', path: ['persisted_documents', 'apq', 'store'], message: `redis needs ${REDIS_KEYS}: the shared APQ store lives in Redis` });
  }
  if (metrics.listen !== undefined && !metrics.enabled) {
    ctx.addIssue({ code: 'custom', path: ['telemetry', 'metrics', 'listen'], message: 'set, but telemetry.metrics.enabled is false: remove one' });
  }
  if (metrics.listen !== undefined && metrics.listen === server.listen && !metrics.listen.endsWith(':0')) {
    ctx.addIssue({ code: 'custom', path: ['telemetry', 'metrics', 'listen'], message: `the same address as server.listen (${server.listen}): a listener of its own needs an address of its own` });
  }
  if (metrics.enabled && metrics.listen === undefined) {
    for (const key of ['graphql_path', 'health_path', 'ready_path'] as const) {
      if (metrics.path === server[key]) ctx.addIssue({ code: 'custom', path: ['telemetry', 'metrics', 'path'], message: `the same path as server.${key} (${server[key]})` });
    }
  }
  // A REST endpoint (or the OpenAPI document) on a path the listener already answers would never be reached.
  const { rest_endpoints: rest } = config;
  const taken = new Map<string, string>([
    [server.graphql_path, 'server.graphql_path'],
    [server.health_path, 'server.health_path'],
    [server.ready_path, 'server.ready_path'],
    ...(metrics.enabled && metrics.listen === undefined ? [[metrics.path, 'telemetry.metrics.path'] as [string, string]] : []),
  ]);
  for (const path of restPaths(rest)) {
    const owner = taken.get(path);
    const key = path === rest.openapi.path && !Object.hasOwn(rest.endpoints, path) ? ['rest_endpoints', 'openapi', 'path'] : ['rest_endpoints', 'endpoints', path];
    if (owner !== undefined) ctx.addIssue({ code: 'custom', path: key, message: `the same path as ${owner} (${path})` });
  }
  if (Object.hasOwn(rest.endpoints, rest.openapi.path) && rest.openapi.enabled) {
    ctx.addIssue({ code: 'custom', path: ['rest_endpoints', 'openapi', 'path'], message: `the same path as the endpoint rest_endpoints.endpoints.${rest.openapi.path}` });
  }
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
