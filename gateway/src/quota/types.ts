import type { RoundTripObserver } from '../core/request-context.ts';

/**
 * The quota store's contract, shared by the Redis store and the embedded memory store (one test
 * suite runs against both). A quota key (e.g. a client id) owns one or more buckets, each a GCRA
 * (generic cell rate algorithm: a token bucket kept as one timestamp): `capacity` tokens at most,
 * refilled continuously from empty to full over `windowS` seconds.
 */
export interface BucketSpec {
  /** Policy name, also the key suffix: e.g. "requests" or "cost". */
  name: string;
  /** Most tokens the bucket holds: the burst, and the amount per window. */
  capacity: number;
  /** Seconds to refill from empty to full. */
  windowS: number;
}

export interface BucketTake extends BucketSpec {
  /** Tokens this request takes (1 for a request rate, the estimated cost for a cost budget). */
  take: number;
}

export interface BucketState extends BucketSpec {
  /** Whole tokens left after this decision. */
  remaining: number;
  /** Seconds until the bucket is full again (0 when it is full). */
  resetS: number;
  /** The same in µs (unrounded), when the store knows it: lets the local limiter mirror Redis. */
  resetUs?: number;
}

export interface QuotaDecision {
  /** True when every bucket had room; then every bucket was charged, else none was. */
  admitted: boolean;
  /** Whole seconds until the request would be admitted (0 when admitted). */
  retryAfterS: number;
  buckets: BucketState[];
}

export interface QuotaStore {
  /**
   * Charges every bucket of `quotaKey` its `take`, all or nothing, atomically. `observer` (tracing)
   * is told of each round trip to Redis made for it.
   */
  consume(quotaKey: string, buckets: BucketTake[], observer?: RoundTripObserver): Promise<QuotaDecision>;
  /**
   * Gives tokens back (cost estimated up front, refunded once the actual cost is known).
   * Never on the request path: applied with the key's next consume, or by a background flush.
   */
  refund(quotaKey: string, bucket: BucketSpec, tokens: number): void;
  close(): Promise<void>;
}

export const MICROS_PER_SECOND = 1_000_000;

/** Microseconds per token: the GCRA emission interval. */
export function emissionIntervalUs(bucket: BucketSpec): number {
  return (bucket.windowS * MICROS_PER_SECOND) / bucket.capacity;
}
