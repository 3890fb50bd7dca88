// Static cost of operations (Apollo Router's demand control): the public API of this folder.
export { actualCost } from './actual.ts';
export { costModelOptions, demandControlConfigSchema, type DemandControlConfig } from './config.ts';
export { checkEstimatedCost, type CostResult } from './enforce.ts';
export { CostEstimatedTooExpensiveError, CostQueryError } from './errors.ts';
export { estimateCost, type Variables } from './estimate.ts';
export { buildCostModel, type CostModel, type CostModelOptions } from './model.ts';
