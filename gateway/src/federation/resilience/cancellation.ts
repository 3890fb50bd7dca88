/** Why a subgraph fetch was cut short. */
export type CancelCause = 'deadline' | 'client' | 'refused';

/**
 * One subgraph fetch's cancellation: its own deadline (`timeoutMs`, every attempt and backoff
 * included) and the client request's signal (the client closed its connection), whichever comes
 * first, on one AbortController whose signal every attempt's undici request carries. Aborting the
 * request closes its connection, so the pool gets the connection back (a new one replaces it) at
 * once instead of after `timeoutMs`. `cause` says which came first: a client abort is nobody's
 * failure (not retried, not counted by the breaker or outlier detection), a deadline is the
 * subgraph's. A controller and a plain timer cost half of AbortSignal.timeout, which also
 * registers every signal for finalization.
 */
export class FetchCancellation {
  readonly controller = new AbortController();
  cause: CancelCause | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onClientAbort: (() => void) | undefined;

  constructor(
    timeoutMs: number,
    private readonly client: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => this.cancel('deadline', new DOMException('subgraph deadline', 'TimeoutError')), timeoutMs);
    if (client) {
      if (client.aborted) {
        this.cancel('client', client.reason);
      } else {
        this.onClientAbort = () => this.cancel('client', client.reason);
        client.addEventListener('abort', this.onClientAbort, { once: true });
      }
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The client went away (now or earlier): nothing more is worth sending. */
  get clientGone(): boolean {
    return this.cause === 'client';
  }

  /** The body being read was refused (too large, undecodable): its connection is closed. */
  refuse(): void {
    this.cancel('refused', new DOMException('subgraph response refused', 'AbortError'));
  }

  /** The fetch is over: stops the timer and stops listening to the client's signal. */
  dispose(): void {
    clearTimeout(this.timer);
    if (this.onClientAbort) this.client?.removeEventListener('abort', this.onClientAbort);
  }

  private cancel(cause: CancelCause, reason: unknown): void {
    if (this.controller.signal.aborted) return;
    this.cause = cause;
    clearTimeout(this.timer);
    this.controller.abort(reason);
  }
}

/**
 * A fetch shared by several client requests (deduplicate_query): cancelled only when every
 * waiter's client went away; a waiter without a signal keeps it alive to the end.
 */
export class SharedCancellation {
  readonly controller = new AbortController();
  private waiters = 0;

  /**
   * Adds a waiter; `onLast` runs when the last waiter's client aborts (before the shared fetch is
   * cancelled). Returns a function that stops following this waiter's signal (call it when the
   * waiter is done).
   */
  join(signal: AbortSignal | undefined, onLast: () => void): () => void {
    this.waiters++;
    if (!signal) return noop;
    let counted = true;
    const leave = () => {
      if (!counted) return;
      counted = false;
      if (--this.waiters === 0) {
        onLast();
        this.controller.abort(signal.reason);
      }
    };
    if (signal.aborted) {
      leave();
      return noop;
    }
    signal.addEventListener('abort', leave, { once: true });
    return () => {
      counted = false;
      signal.removeEventListener('abort', leave);
    };
  }
}

function noop(): void {}

/**
 * `promise`, or a rejection with `error()` as soon as `signal` aborts (the promise keeps running
 * for whoever else waits on it).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, error: () => Error): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(error());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(error());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (reason: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(reason);
      },
    );
  });
}

/** A wait that ends early when `signal` aborts (resolves either way). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
