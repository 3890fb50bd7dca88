import { z } from 'zod';
import { authenticationConfigSchema } from '../auth/config.ts';
import { csrfConfigSchema, limitsConfigSchema, serverConfigSchema } from '../http/config.ts';
import { demandControlConfigSchema } from '../cost/config.ts';
import { quotasConfigSchema, redisConfigSchema } from '../quota/config.ts';
import { executorConfigSchema, overrideSubgraphUrlSchema, trafficShapingConfigSchema } from '../federation/config.ts';
import { supergraphConfigSchema } from '../schema/config.ts';
import { telemetryConfigSchema } from '../telemetry/config.ts';

/**
 * gateway.yaml: one schema, merged from the slices each stage declares next to its code.
 * Every key is optional except `supergraph`; unknown keys fail start-up with their path.
 */
export const gatewayConfigSchema = z.strictObject({
  server: serverConfigSchema.prefault({}),
  supergraph: supergraphConfigSchema,
  override_subgraph_url: overrideSubgraphUrlSchema,
  csrf: csrfConfigSchema.prefault({}),
  limits: limitsConfigSchema.prefault({}),
  traffic_shaping: trafficShapingConfigSchema.prefault({}),
  executor: executorConfigSchema,
  authentication: authenticationConfigSchema.prefault({}),
  redis: redisConfigSchema.prefault({}),
  demand_control: demandControlConfigSchema.prefault({}),
  quotas: quotasConfigSchema.prefault({}),
  telemetry: telemetryConfigSchema.prefault({}),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
