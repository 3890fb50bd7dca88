// After execution: the actual cost from the response, the unused part of the estimate refunded to
// the cost budget (Shopify's model: the estimate is charged up front, the difference given back once
// the actual cost is known), and `extensions.cost` for the response.
import type { DocumentNode } from 'graphql';
import { actualCost } from './actual.ts';
import type { Variables } from './estimate.ts';
import type { CostModel } from './model.ts';

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

/** A cost budget's state after a charge. */
export interface CostBudgetState {
  capacity: number;
  remaining: number;
  windowS: number;
}

/**
 * What settlement needs of the quota charge it settles. Stage 5 provides it (the pipeline adapts
 * quota's admission to it), so cost never depends on how quotas are kept.
 */
export interface CostCharge {
  /** Whether any cost budget was charged the estimate. */
  readonly chargedCost: boolean;
  /** Gives back the difference between the estimate charged and `actual`. */
  refund(actual: number): void;
  /** The tightest cost budget after the charge, for `throttleStatus`. */
  readonly tightestCostBudget: CostBudgetState | undefined;
}

/** One request's cost, settled exactly once by stage 6 (or by the pipeline when it never ran). */
export class CostSettlement {
  #settled = false;
  #actual: number | undefined;

  constructor(
    private readonly model: CostModel,
    private readonly operation: CostedOperation,
    readonly estimated: number,
    private readonly charge: CostCharge | undefined,
    /** `demand_control.cost_extensions`. */
    private readonly report: boolean,
  ) {}

  /** The actual cost once settled (0 when the operation did not execute); undefined before. */
  get actualCost(): number | undefined {
    return this.#actual;
  }

  /**
   * Called once with the response's data, or `undefined` when the operation did not execute
   * (refused by variable coercion, failed...): then the whole estimate is refunded. Returns the
   * response's `extensions.cost` when reporting is on and the operation executed.
   */
  settle(data: unknown): CostExtension | undefined {
    if (this.#settled) return undefined;
    this.#settled = true;
    const executed = data !== undefined;
    const charged = this.charge !== undefined && this.estimated > 0 && this.charge.chargedCost;
    // Priced even when neither charged nor reported: the access log and the metrics show it.
    let actual = 0;
    if (executed) {
      try {
        actual = actualCost(this.model, this.operation.document, this.operation.operationName, this.operation.variables, data);
      } catch {
        actual = this.estimated; // cannot be priced from the response: nothing is refunded
      }
    }
    this.#actual = actual;
    const refunded = Math.max(0, this.estimated - actual);
    if (charged) this.charge!.refund(actual);
    if (!this.report || !executed) return undefined;

    const extension: CostExtension = { requestedQueryCost: this.estimated, actualQueryCost: actual };
    const budget = this.charge?.tightestCostBudget;
    if (budget) {
      extension.throttleStatus = {
        maximumAvailable: budget.capacity,
        currentlyAvailable: Math.min(budget.capacity, budget.remaining + (charged ? refunded : 0)),
        restoreRate: budget.capacity / budget.windowS,
      };
    }
    return extension;
  }
}
