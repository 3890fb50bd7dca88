import type { DemandControlConfig } from './config.ts';
import { CostEstimatedTooExpensiveError } from './errors.ts';

/** The router's `cost.result` values for an estimate. */
export type CostResult = 'COST_OK' | 'COST_ESTIMATED_TOO_EXPENSIVE';

/**
 * Compares an estimate with `strategy.static_estimated.max` (or a client profile's `max_cost`) (over, not equal, is too expensive, as
 * the router). Enforce mode throws CostEstimatedTooExpensiveError; measure mode only reports.
 */
export function checkEstimatedCost(estimated: number, config: DemandControlConfig, max = config.strategy.static_estimated.max): CostResult {
  if (estimated <= max) return 'COST_OK';
  if (config.mode === 'enforce') throw new CostEstimatedTooExpensiveError(estimated, max);
  return 'COST_ESTIMATED_TOO_EXPENSIVE';
}
