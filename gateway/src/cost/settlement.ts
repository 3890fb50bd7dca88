// After execution: the actual cost from the response, the unused part of the estimate refunded to
// the cost budget (Shopify's model: the estimate is charged up front, the difference given back once
// the actual cost is known), and `extensions.cost` for the response.
import type { DocumentNode } from 'graphql';
import { actualCost } from './actual.ts';
import type { Variables } from './estimate.ts';
import type { CostModel } from './model.ts';
import type { Admission, Admitted } from '../quota/admit.ts';

/** `extensions.cost` of a response, in Shopify's shape. */
export interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number;
  /** The tightest cost budget this request was charged to; absent when no cost quota applies. */
  throttleStatus?: {
    maximumAvailable: number;
    /** What is left after this request, its refund included. */
    currentlyAvailable: number;
    /** Points restored per second. */
    restoreRate: number;
  };
}

export interface CostedOperation {
  document: DocumentNode;
  operationName: string | undefined;
  variables: Variables;
}

/** One request's cost, settled once (RequestContext.cost); see server/cost-plugin.ts. */
export class CostSettlement {
  #settled = false;

  constructor(
    private readonly model: CostModel,
    private readonly operation: CostedOperation,
    readonly estimated: number,
    private readonly admission: Admission | undefined,
    private readonly admitted: Admitted | undefined,
    /** `demand_control.cost_extensions`. */
    private readonly report: boolean,
  ) {}

  /**
   * Called once with the response's data, or `undefined` when the operation did not execute
   * (refused by validation, variables...): then the whole estimate is refunded. Returns the
   * response's `extensions.cost` when reporting is on and the operation executed.
   */
  settle(data: unknown): CostExtension | undefined {
    if (this.#settled) return undefined;
    this.#settled = true;
    const executed = data !== undefined;
    const charged = this.admitted !== undefined && this.admitted.estimatedCost > 0 && chargesCost(this.admitted);
    if (!charged && !(this.report && executed)) return undefined;

    let actual = 0;
    if (executed) {
      try {
        actual = actualCost(this.model, this.operation.document, this.operation.operationName, this.operation.variables, data);
      } catch {
        actual = this.estimated; // cannot be priced from the response: nothing is refunded
      }
    }
    const refunded = Math.max(0, this.estimated - actual);
    if (charged) this.admission!.refund(this.admitted!, actual);
    if (!this.report || !executed) return undefined;

    const extension: CostExtension = { requestedQueryCost: this.estimated, actualQueryCost: actual };
    const budget = this.tightestCostBudget();
    if (budget) {
      extension.throttleStatus = {
        maximumAvailable: budget.capacity,
        currentlyAvailable: Math.min(budget.capacity, budget.remaining + (charged ? refunded : 0)),
        restoreRate: budget.capacity / budget.windowS,
      };
    }
    return extension;
  }

  /**
   * The actual cost cannot be read (an incremental @defer response is still streaming): the
   * estimate stays charged, nothing is refunded.
   */
  keepEstimate(): void {
    this.#settled = true;
  }

  private tightestCostBudget(): { capacity: number; remaining: number; windowS: number } | undefined {
    let tightest: { capacity: number; remaining: number; windowS: number } | undefined;
    for (const { state } of this.admitted?.outcomes ?? []) {
      if (state.name !== 'cost') continue;
      if (tightest === undefined || state.remaining / state.capacity < tightest.remaining / tightest.capacity) tightest = state;
    }
    return tightest;
  }
}

function chargesCost(admitted: Admitted): boolean {
  return admitted.charges.some((charge) => charge.takes.some((take) => take.name === 'cost'));
}
