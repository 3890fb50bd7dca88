// The failed-authentication limiter: credentials that stage 2 refuses (401) are counted per client
// IP in the quota store (Redis when `redis.url` is set, else the embedded memory store), and an IP
// over `authentication.failure_limit` is refused with 429 before stage 2 verifies anything, so
// keys and tokens cannot be guessed at full speed and a blocked IP costs no JWT verification.
import type { IncomingMessage } from 'node:http';
import { LruCache } from '../core/cache.ts';
import { RateLimitedError } from './admit.ts';
import { ClientIpResolver } from './client-ip.ts';
import { emissionIntervalUs, type BucketTake, type QuotaStore } from './types.ts';

/** The policy name in `extensions.policy` and `RateLimit-Policy` of the 429. */
export const AUTH_FAILURES_POLICY = 'authentication_failures';

// '@' cannot start a quota rule's name (letters, digits, "_" and "-"), so no rule shares these keys.
const KEY_PREFIX = '@authentication_failures|ip=';
/** IPs remembered as blocked at once (LRU): an attacker rotating addresses cannot grow it unboundedly. */
const MAX_BLOCKED_IPS = 100_000;

export interface AuthFailureLimit {
  /** Failed authentications an IP may have at once (the burst)… */
  limit: number;
  /** …refilled continuously from none to `limit` over this many seconds. */
  window_s: number;
}

export interface AuthFailureLimiterOptions {
  limit: AuthFailureLimit;
  /** `quotas.trusted_proxies`: whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** Clock (ms since the epoch); tests may inject one. */
  now?: () => number;
}

/**
 * `check(ip)` is a local lookup (no store round trip on the request path): an IP is blocked once
 * the store said its failures bucket is empty, until the store says one failure fits again.
 * `recordFailure(ip)` charges one failure in the store (one round trip, on a 401 only) and learns
 * the block from the answer. With several gateway instances on one Redis the count is shared; an
 * instance that has not yet seen the block lets one more attempt through, whose refused charge
 * tells it (so N instances allow at most N attempts per refill interval once the limit is reached).
 */
export class AuthFailureLimiter {
  readonly #store: QuotaStore;
  readonly #bucket: BucketTake;
  readonly #ips: ClientIpResolver;
  readonly #now: () => number;
  /** IP → when one failure fits again (ms since the epoch). */
  readonly #blocked = new LruCache<string, number>(MAX_BLOCKED_IPS);

  constructor(store: QuotaStore, options: AuthFailureLimiterOptions) {
    this.#store = store;
    this.#bucket = { name: 'failures', capacity: options.limit.limit, windowS: options.limit.window_s, take: 1 };
    this.#ips = new ClientIpResolver(options.trustedProxies);
    this.#now = options.now ?? Date.now;
  }

  /** The client IP counted for this request (the socket peer, or X-Forwarded-For behind a trusted proxy). */
  clientIp(req: IncomingMessage): string {
    return this.#ips.resolve(req.socket.remoteAddress, req.headers['x-forwarded-for']);
  }

  /** Throws RateLimitedError (429, `Retry-After`) while `ip` is over its failed-authentication limit. */
  check(ip: string): void {
    const now = this.#now();
    const until = this.#blocked.get(ip, now);
    if (until === undefined) return;
    throw this.#refusal(until - now);
  }

  /** Counts one failed authentication of `ip`; never throws (a failing store only loses the count). */
  async recordFailure(ip: string): Promise<void> {
    let decision;
    try {
      decision = await this.#store.consume(KEY_PREFIX + ip, [this.#bucket]);
    } catch {
      return; // fail_closed store down: the 401 stands; the count is lost, not the answer
    }
    const state = decision.buckets[0];
    if (state === undefined) return;
    const interval = emissionIntervalUs(this.#bucket);
    // Time until one failure fits again: the bucket's "full again" time minus the tokens it may lack.
    const waitUs =
      state.resetUs !== undefined
        ? state.resetUs - (this.#bucket.capacity - 1) * interval
        : decision.admitted ? (state.remaining === 0 ? interval : 0) : decision.retryAfterS * 1_000_000;
    if (state.remaining === 0 && waitUs > 0) {
      const now = this.#now();
      this.#blocked.set(ip, now + waitUs / 1000, now + waitUs / 1000);
    }
  }

  #refusal(waitMs: number): RateLimitedError {
    const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000));
    const { capacity, windowS } = this.#bucket;
    return new RateLimitedError(AUTH_FAILURES_POLICY, retryAfterS, {
      'retry-after': String(retryAfterS),
      'ratelimit-policy': `"${AUTH_FAILURES_POLICY}";q=${capacity};w=${windowS}`,
    });
  }
}
