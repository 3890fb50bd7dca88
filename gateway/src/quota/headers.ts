import type { BucketState } from './types.ts';

/** One policy's outcome for one request, ready to render. */
export interface PolicyOutcome {
  policy: string;
  state: BucketState;
}

/**
 * The rate-limit headers clients already parse: the X-RateLimit-* trio (of the most constrained
 * policy) and the IETF draft's structured fields, one named policy per quota. Reset and `t` are
 * delta seconds. When refused, the refusing policy's `t` is the Retry-After, so Retry-After is
 * never earlier than the `t` it goes with.
 */
export function rateLimitHeaders(outcomes: PolicyOutcome[], refused?: { policy: string; retryAfterS: number }): Record<string, string> {
  if (outcomes.length === 0) return {};
  const resetOf = (o: PolicyOutcome) => (refused?.policy === o.policy ? Math.max(refused.retryAfterS, 1) : o.state.resetS);
  const tightest = refused
    ? outcomes.find((o) => o.policy === refused.policy)!
    : outcomes.reduce((a, b) => (b.state.remaining / b.state.capacity < a.state.remaining / a.state.capacity ? b : a));
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(tightest.state.capacity),
    'x-ratelimit-remaining': String(tightest.state.remaining),
    'x-ratelimit-reset': String(resetOf(tightest)),
    'ratelimit-policy': outcomes.map((o) => `"${o.policy}";q=${o.state.capacity};w=${o.state.windowS}`).join(', '),
    ratelimit: outcomes.map((o) => `"${o.policy}";r=${o.state.remaining};t=${resetOf(o)}`).join(', '),
  };
  if (refused) headers['retry-after'] = String(Math.max(refused.retryAfterS, 1));
  return headers;
}
