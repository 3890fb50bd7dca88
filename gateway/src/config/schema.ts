import { z } from 'zod';
import { csrfConfigSchema, limitsConfigSchema, serverConfigSchema } from '../server/config.ts';
import { overrideSubgraphUrlSchema, supergraphConfigSchema, trafficShapingConfigSchema } from '../federation/config.ts';
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
  telemetry: telemetryConfigSchema.prefault({}),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
