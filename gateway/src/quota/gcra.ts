import { emissionIntervalUs, MICROS_PER_SECOND, type BucketSpec, type BucketState, type BucketTake, type QuotaDecision } from './types.ts';

/** One bucket's input to a GCRA decision: its TAT (µs; undefined = full) and what to take and give. */
export interface GcraInput {
  bucket: BucketTake;
  tatUs: number | undefined;
  giveTokens: number;
}

export interface GcraOutcome {
  decision: QuotaDecision;
  /** The TAT to store per bucket, or undefined to leave it unchanged. */
  newTatsUs: Array<number | undefined>;
}

/**
 * The same GCRA decision as gcra.lua, in TypeScript, for the embedded memory store.
 * Keep the two in step: the shared store test suite runs against both.
 */
export function decide(inputs: GcraInput[], nowUs: number): GcraOutcome {
  let retryUs = 0;
  let gave = false;
  const tats: number[] = [];
  const taken: number[] = [];
  for (const { bucket, tatUs, giveTokens } of inputs) {
    const interval = emissionIntervalUs(bucket);
    let tat = tatUs ?? nowUs;
    if (giveTokens > 0) {
      tat -= giveTokens * interval;
      gave = true;
    }
    if (tat < nowUs) tat = nowUs;
    tats.push(tat);
    const after = tat + bucket.take * interval;
    taken.push(after);
    const allowAt = after - bucket.capacity * interval;
    if (allowAt > nowUs) retryUs = Math.max(retryUs, allowAt - nowUs);
  }
  const admitted = retryUs === 0;
  const newTatsUs: Array<number | undefined> = [];
  const buckets = inputs.map(({ bucket }, i): BucketState => {
    const tat = admitted ? taken[i]! : tats[i]!;
    newTatsUs.push(admitted || gave ? tat : undefined);
    return bucketState(bucket, Math.floor((bucket.capacity * emissionIntervalUs(bucket) - (tat - nowUs)) / emissionIntervalUs(bucket)), tat - nowUs);
  });
  return { decision: { admitted, retryAfterS: secondsUp(retryUs), buckets }, newTatsUs };
}

export function bucketState(bucket: BucketSpec, remaining: number, resetUs: number): BucketState {
  return {
    name: bucket.name,
    capacity: bucket.capacity,
    windowS: bucket.windowS,
    remaining: Math.max(0, remaining),
    resetS: secondsUp(resetUs),
    resetUs: Math.max(0, resetUs),
  };
}

/** Whole seconds, rounded up, so a client that waits that long is admitted. */
export function secondsUp(micros: number): number {
  return micros <= 0 ? 0 : Math.ceil(micros / MICROS_PER_SECOND);
}
