import { z } from 'zod';
import { configNumber, configBoolean } from '../core/config-values.ts';

/**
 * `demand_control`: static cost of each operation, in router.yaml's vocabulary
 * (`enabled`, `mode`, `strategy.static_estimated.{list_size,max}`), plus `mutation_base_cost`,
 * which the router fixes at 10.
 */
export const demandControlConfigSchema = z.strictObject({
  /** Compute costs at all; default false. */
  enabled: configBoolean().default(false),
  /** `measure` computes and reports costs only; `enforce` rejects operations over `max`. Default measure. */
  mode: z.enum(['measure', 'enforce']).default('measure'),
  strategy: z
    .strictObject({
      static_estimated: z
        .strictObject({
          /** Assumed length of a list field without `@listSize`; default 10. */
          list_size: configNumber(z.number().int().nonnegative()).default(10),
          /** Highest estimated cost admitted in enforce mode (equal is admitted); default 1000. */
          max: configNumber(z.number().nonnegative()).default(1000),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Added to every mutation's cost; default 10, as the router. */
  mutation_base_cost: configNumber(z.number().int().nonnegative()).default(10),
  /**
   * Add `extensions.cost { requestedQueryCost, actualQueryCost, throttleStatus }` to responses
   * (Shopify's shape) whenever costs are computed (demand control enabled, or a cost quota);
   * default false, so response bodies stay as the subgraphs and Apollo Router make them unless asked.
   */
  cost_extensions: configBoolean().default(false),
});

export type DemandControlConfig = z.infer<typeof demandControlConfigSchema>;

/** The parts of the config the cost model is built with. */
export function costModelOptions(config: DemandControlConfig): { listSize: number; mutationBaseCost: number } {
  return { listSize: config.strategy.static_estimated.list_size, mutationBaseCost: config.mutation_base_cost };
}
