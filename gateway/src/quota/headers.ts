import type { BucketState } from './types.ts';

/** One policy's outcome for one request, ready to render. */
export interface PolicyOutcome {
  policy: string;
  state: BucketState;
}

/**
 * The rate-limit headers clients already parse: the X-RateLimit-* trio (of the most constrained
 * policy) and the IETF draft's structured fields (draft-ietf-httpapi-ratelimit-headers), one named
 * policy per quota.
 *
 * `t` has one meaning on every response, 200 or 429, the draft's: "the number of seconds until the
 * quota associated with the quota policy resets", i.e. until the bucket is full again (a GCRA
 * refills continuously, so `r` grows before then; the draft allows that: the client "MUST NOT
 * assume that all its service limit will be reset at the moment indicated"). X-RateLimit-Reset is
 * the same number for the tightest policy. When a request is refused, Retry-After says when it
 * would fit (the next units), which the draft says takes precedence over `t`; it is the only
 * header whose number depends on the status.
 */
export function rateLimitHeaders(outcomes: PolicyOutcome[], refused?: { policy: string; retryAfterS: number }): Record<string, string> {
  if (outcomes.length === 0) return {};
  const tightest = refused
    ? outcomes.find((o) => o.policy === refused.policy)!
    : outcomes.reduce((a, b) => (b.state.remaining / b.state.capacity < a.state.remaining / a.state.capacity ? b : a));
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(tightest.state.capacity),
    'x-ratelimit-remaining': String(tightest.state.remaining),
    'x-ratelimit-reset': String(tightest.state.resetS),
    'ratelimit-policy': outcomes.map((o) => `"${o.policy}";q=${o.state.capacity};w=${o.state.windowS}`).join(', '),
    ratelimit: outcomes.map((o) => `"${o.policy}";r=${o.state.remaining};t=${o.state.resetS}`).join(', '),
  };
  if (refused) headers['retry-after'] = String(Math.max(refused.retryAfterS, 1));
  return headers;
}
