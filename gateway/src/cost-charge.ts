// Joins stage 5 to cost settlement: what the quota admission charged, seen as the CostCharge that
// cost/settlement.ts settles. Lives with the wiring so that neither cost/ nor quota/ knows the other.
import type { CostBudgetState, CostCharge } from './cost/settlement.ts';
import type { Admission, Admitted } from './quota/admit.ts';

export function costChargeOf(admission: Admission, admitted: Admitted): CostCharge {
  return {
    chargedCost: admitted.charges.some((charge) => charge.takes.some((take) => take.name === 'cost')),
    refund: (actual) => admission.refund(admitted, actual),
    get tightestCostBudget() {
      return tightestCostBudget(admitted);
    },
  };
}

function tightestCostBudget(admitted: Admitted): CostBudgetState | undefined {
  let tightest: CostBudgetState | undefined;
  for (const { state } of admitted.outcomes) {
    if (state.name !== 'cost') continue;
    if (tightest === undefined || state.remaining / state.capacity < tightest.remaining / tightest.capacity) tightest = state;
  }
  return tightest;
}
