// The cost half of stage 4: the estimated cost of a validated operation (`demand_control`, and
// the cost quotas), refused over `max` in enforce mode before any subgraph is called; and, for
// stage 6, the settlement that turns the estimate into the actual cost.
import type { DocumentNode } from 'graphql';
import type { DemandControlConfig } from './config.ts';
import { checkEstimatedCost } from './enforce.ts';
import { CostQueryError } from './errors.ts';
import { estimateCost, type Variables } from './estimate.ts';
import type { CostModel } from './model.ts';
import { CostSettlement, type CostCharge } from './settlement.ts';

export interface CostStageOptions {
  model: CostModel;
  demandControl: DemandControlConfig;
  /**
   * A valid operation that cannot be costed (e.g. breaking `@listSize(requireOneSlicingArgument)`)
   * is refused with COST_QUERY_PARSE_FAILURE: set when the cost is needed (enforce mode, cost quotas).
   */
  costRequired: boolean;
}

export interface EstimateInput {
  document: DocumentNode;
  operationName: string | undefined;
  variables: Variables;
}

export class CostStage {
  readonly #enforce: boolean;

  constructor(private readonly options: CostStageOptions) {
    this.#enforce = options.demandControl.enabled && options.demandControl.mode === 'enforce';
  }

  /**
   * The estimate of an operation stage 4 validated; undefined when it cannot be costed and the
   * cost is not required. Throws COST_ESTIMATED_TOO_EXPENSIVE (enforce) or COST_QUERY_PARSE_FAILURE.
   * `max`: the client profile's `max_cost`, when it has one.
   */
  estimate(input: EstimateInput, max?: number): number | undefined {
    let cost: number;
    try {
      cost = estimateCost(this.options.model, input.document, input.operationName, input.variables);
    } catch (error) {
      if (error instanceof CostQueryError && !this.options.costRequired) return undefined;
      throw error;
    }
    if (this.#enforce) checkEstimatedCost(cost, this.options.demandControl, max);
    return cost;
  }

  /**
   * What every request of one operation would meet here, checked ahead (`operations publish`):
   * throws COST_QUERY_PARSE_FAILURE when it cannot be costed and the cost is required, and, in
   * enforce mode, COST_ESTIMATED_TOO_EXPENSIVE when its estimate is over `max` whatever the
   * variables (no variable sizes a list or skips a selection). An estimate that depends on the
   * variables is left to the requests.
   */
  checkAhead(document: DocumentNode, operationName: string | undefined, max?: number): void {
    const { model, costRequired, demandControl } = this.options;
    let cost;
    try {
      cost = model.operations.get(model, document, operationName).cost;
    } catch (error) {
      if (error instanceof CostQueryError && !costRequired) return;
      throw error;
    }
    if (cost instanceof CostQueryError) {
      if (costRequired) throw cost;
    } else if (typeof cost === 'number' && this.#enforce) {
      checkEstimatedCost(cost, demandControl, max);
    }
  }

  /**
   * Settles `estimated` once the response is known; `charge` is stage 5's, when it charged one.
   * `report`: `extensions.cost` for this request even without `demand_control.cost_extensions` (the explorer asked).
   */
  settlement(input: EstimateInput, estimated: number, charge: CostCharge | undefined, report = false): CostSettlement {
    return new CostSettlement(this.options.model, input, estimated, charge, report || this.options.demandControl.cost_extensions);
  }
}
