import { GatewayError } from '../core/errors.ts';
import type { QuotasConfig } from './config.ts';
import { rateLimitHeaders, type PolicyOutcome } from './headers.ts';
import { chargesFor, type QuotaSubject, type RuleCharge } from './rules.ts';
import type { RoundTripObserver } from '../core/request-context.ts';
import type { QuotaDecision, QuotaStore } from './types.ts';

export class RateLimitedError extends GatewayError {
  constructor(policy: string, retryAfterS: number, headers: Record<string, string>) {
    super('RATE_LIMITED', `Rate limit exceeded (policy "${policy}"); retry after ${retryAfterS} s`, {
      headers,
      extensions: { policy, retryAfter: retryAfterS },
    });
  }
}

/**
 * The operation's estimate is larger than a cost budget's whole capacity: no wait can make it fit,
 * so it is refused as a client error (400 COST_EXCEEDS_QUOTA, no Retry-After), before any charge.
 */
export class CostExceedsQuotaError extends GatewayError {
  constructor(policy: string, estimated: number, quota: number, windowS: number) {
    super('COST_EXCEEDS_QUOTA', `Operation estimated cost ${estimated} exceeds the whole cost quota ${quota} of policy "${policy}"; it can never be admitted`, {
      extensions: { policy, cost: { estimated, quota, window: windowS } },
    });
  }
}

/** What admission hands on: the headers for the response and what to refund once the actual cost is known. */
export interface Admitted {
  headers: Record<string, string>;
  charges: RuleCharge[];
  estimatedCost: number;
  /** Every policy's bucket after this request was charged (for `extensions.cost.throttleStatus`). */
  outcomes: PolicyOutcome[];
}

/**
 * Stage 5 (admit): charges every quota rule for this request in the store (the rules run
 * concurrently on one connection: one round trip). If any rule refuses, what the others charged
 * is refunded and the request ends with 429 before any subgraph is called.
 */
export class Admission {
  constructor(
    private readonly store: QuotaStore,
    private readonly config: QuotasConfig,
  ) {}

  get enabled(): boolean {
    return this.config.rules.length > 0;
  }

  /** `observer` (tracing) is told of the store's round trips to Redis for this request. */
  async admit(subject: QuotaSubject, estimatedCost: number, observer?: RoundTripObserver): Promise<Admitted> {
    const charges = chargesFor(this.config.rules, subject, estimatedCost);
    refuseIfNeverFits(charges);
    const decisions = await Promise.all(charges.map((charge) => this.store.consume(charge.quotaKey, charge.takes, observer)));
    const outcomes = charges.flatMap((charge, i) => policyOutcomes(charge, decisions[i]!));
    const refusedAt = decisions.findIndex((decision) => !decision.admitted);
    if (refusedAt === -1) return { headers: rateLimitHeaders(outcomes), charges, estimatedCost, outcomes };

    charges.forEach((charge, i) => {
      if (decisions[i]!.admitted) for (const take of charge.takes) this.store.refund(charge.quotaKey, take, take.take);
    });
    const refusedCharge = charges[refusedAt]!;
    const refusedDecision = decisions[refusedAt]!;
    const policy = refusingPolicy(refusedCharge, refusedDecision);
    const retryAfterS = Math.max(refusedDecision.retryAfterS, 1);
    throw new RateLimitedError(policy, retryAfterS, rateLimitHeaders(outcomes, { policy, retryAfterS }));
  }

  /** Gives back the cost budget the request was charged beyond its actual cost. */
  refund(admitted: Admitted, actualCost: number): void {
    const unused = admitted.estimatedCost - actualCost;
    if (!(unused > 0)) return;
    for (const charge of admitted.charges) {
      for (const take of charge.takes) if (take.name === 'cost') this.store.refund(charge.quotaKey, take, unused);
    }
  }
}

// A take larger than its bucket's capacity is refused by the store whatever the bucket holds; say
// so at once instead of a 429 whose Retry-After the client would follow forever.
function refuseIfNeverFits(charges: RuleCharge[]): void {
  for (const charge of charges) {
    charge.takes.forEach((take, i) => {
      if (take.take > take.capacity) throw new CostExceedsQuotaError(charge.policies[i]!, take.take, take.capacity, take.windowS);
    });
  }
}

function policyOutcomes(charge: RuleCharge, decision: QuotaDecision): PolicyOutcome[] {
  return decision.buckets.map((state, i) => ({ policy: charge.policies[i]!, state }));
}

// The bucket that lacked room: the one whose take exceeds what it has left.
function refusingPolicy(charge: RuleCharge, decision: QuotaDecision): string {
  const index = decision.buckets.findIndex((state, i) => charge.takes[i]!.take > state.remaining);
  return charge.policies[Math.max(index, 0)]!;
}
