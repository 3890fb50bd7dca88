import type { Logger } from 'pino';
import { isPublicSigningJwk, JwkKey, jwkFitsAlgorithm, KeySetUnavailableError, publicJwk, type KeySource, type VerificationKey } from './keys.ts';

export interface RemoteJwksOptions {
  label: string;
  url: string;
  algorithms: readonly string[];
  issuers: readonly string[];
  audiences: readonly string[];
  /** Keys older than this are re-fetched before use; if that fails the cached keys are used. */
  pollIntervalMs: number;
  /** At most one fetch attempt per this long, whatever asks for it (unknown kid, poll, cold cache). */
  cooldownMs: number;
  timeoutMs: number;
  logger: Logger;
  /** Milliseconds since the epoch; tests inject their own clock. */
  now?: () => number;
  /** Largest JWKS body accepted; default 1 MiB. */
  maxBytes?: number;
}

/** Counters for tests and metrics: how often the endpoint was asked, and how often it failed. */
export interface JwksStats {
  fetches: number;
  failures: number;
  keys: number;
}

/**
 * One JWKS URL's keys, cached. The endpoint is asked (a) when the cache is cold, (b) when the
 * cached set is older than the poll interval, (c) when a token names a `kid` the set lacks —
 * but never more than once per cool-down, so a flood of made-up `kid`s costs one fetch. Concurrent
 * callers share one fetch. A failed fetch keeps the last good set (served while the endpoint is
 * down); with no good set yet, callers get KeySetUnavailableError. A key a new set no longer holds
 * is marked `removed`, which also ends cached verifications made with it.
 */
export class RemoteJwks implements KeySource {
  readonly label: string;
  readonly algorithms: ReadonlySet<string>;
  readonly issuers: readonly string[];
  readonly audiences: readonly string[];

  private keys: Map<string, JwkKey> | undefined;
  private fetchedAt = 0;
  private lastAttemptAt: number | undefined;
  private inflight: Promise<void> | undefined;
  private readonly controller = new AbortController();
  private readonly now: () => number;
  private readonly counters = { fetches: 0, failures: 0 };

  constructor(private readonly options: RemoteJwksOptions) {
    this.label = options.label;
    this.algorithms = new Set(options.algorithms);
    this.issuers = options.issuers;
    this.audiences = options.audiences;
    this.now = options.now ?? Date.now;
  }

  stats(): JwksStats {
    return { ...this.counters, keys: this.keys?.size ?? 0 };
  }

  /** The cached set stands until the poll interval since the last good fetch is over. */
  freshUntil(): number {
    return this.fetchedAt + this.options.pollIntervalMs;
  }

  /** Fetches now unless a fetch is under way or the cool-down forbids it; never throws. */
  async warm(): Promise<void> {
    if (this.mayFetch(this.now())) await this.refresh();
  }

  async keysFor(kid: string | undefined, alg: string): Promise<readonly VerificationKey[]> {
    const now = this.now();
    let refreshed = false;
    if (this.keys === undefined || now - this.fetchedAt >= this.options.pollIntervalMs) {
      if (this.mayFetch(now)) {
        await this.refresh();
        refreshed = true;
      } else if (this.inflight) {
        await this.inflight;
        refreshed = true;
      }
    }
    if (this.keys === undefined) {
      throw new KeySetUnavailableError(`${this.label}: no keys fetched yet and the endpoint could not be reached`);
    }
    let found = this.match(kid, alg);
    if (found.length === 0 && kid !== undefined && !refreshed) {
      // An unknown kid may be a key published since the last fetch (rotation): ask once per cool-down.
      if (this.mayFetch(now)) {
        await this.refresh();
        found = this.match(kid, alg);
      } else if (this.inflight) {
        await this.inflight;
        found = this.match(kid, alg);
      }
    }
    return found;
  }

  close(): void {
    this.controller.abort();
  }

  private mayFetch(now: number): boolean {
    if (this.inflight) return false;
    return this.lastAttemptAt === undefined || now - this.lastAttemptAt >= this.options.cooldownMs;
  }

  private match(kid: string | undefined, alg: string): VerificationKey[] {
    const found: VerificationKey[] = [];
    for (const key of (this.keys as Map<string, JwkKey>).values()) {
      if (kid !== undefined && key.kid !== kid) continue;
      if (jwkFitsAlgorithm(key.jwk, alg)) found.push(key);
    }
    return found;
  }

  private refresh(): Promise<void> {
    this.lastAttemptAt = this.now();
    this.inflight ??= this.fetchKeys().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchKeys(): Promise<void> {
    this.counters.fetches += 1;
    const { url, timeoutMs, logger } = this.options;
    // One controller aborted by the deadline or by close(). Not AbortSignal.any(): on Node 20 its
    // combined signal can be garbage-collected mid-fetch, and then the deadline never fires.
    const attempt = new AbortController();
    const deadline = setTimeout(() => attempt.abort(new DOMException('timed out', 'TimeoutError')), timeoutMs);
    const onClose = () => attempt.abort(this.controller.signal.reason);
    this.controller.signal.addEventListener('abort', onClose, { once: true });
    try {
      const response = await fetch(url, {
        headers: { accept: 'application/jwk-set+json, application/json' },
        redirect: 'error',
        signal: attempt.signal,
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`HTTP ${response.status}`);
      }
      const text = await readLimited(response, this.options.maxBytes ?? 1 << 20);
      this.install(parseJwks(text));
      this.fetchedAt = this.now();
      logger.debug({ jwks: this.label, keys: this.keys?.size }, 'JWKS fetched');
    } catch (error) {
      this.counters.failures += 1;
      const cause = describeFetchError(error, timeoutMs);
      logger.warn(
        { jwks: this.label, url, cause, cached: this.keys !== undefined },
        this.keys ? 'JWKS fetch failed; using the cached keys' : 'JWKS fetch failed; no keys cached yet',
      );
    } finally {
      clearTimeout(deadline);
      this.controller.signal.removeEventListener('abort', onClose);
    }
  }

  /** Keeps unchanged keys (and their imported forms), marks the dropped ones removed. */
  private install(jwks: JwkKey[]): void {
    const previous = this.keys ?? new Map<string, JwkKey>();
    const next = new Map<string, JwkKey>();
    for (const key of jwks) {
      const id = JSON.stringify(key.jwk);
      next.set(id, previous.get(id) ?? key);
    }
    for (const [id, key] of previous) if (!next.has(id)) key.removed = true;
    this.keys = next;
  }
}

function parseJwks(text: string): JwkKey[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error('response is not JSON');
  }
  const keys = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('response has no "keys" array');
  return keys.filter(isPublicSigningJwk).map((jwk) => new JwkKey(publicJwk(jwk)));
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new Error(`response larger than ${maxBytes} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new Error(`response larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string } } | undefined;
  if (err?.name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  if (err?.cause?.code) return err.cause.code;
  return err?.message ?? String(error);
}
