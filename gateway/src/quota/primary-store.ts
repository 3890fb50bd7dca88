// The embedded memory store shared by worker processes (server.workers): one MemoryQuotaStore in
// the primary process, and in each worker a QuotaStore that asks it over the cluster's IPC channel.
// Every decision is the primary's, taken in the order requests reach it, so quotas stay exact
// across workers as with one process (the alternative, a store per worker, would let N workers
// admit N times a quota). The price is one IPC round trip per admitted request, on this machine.
// The transport is injected (the wiring passes process.send / worker.send): this file knows no cluster.
import { QuotaStoreUnavailableError } from './failover-store.ts';
import type { MemoryQuotaStore } from './memory-store.ts';
import type { BucketSpec, BucketTake, QuotaDecision, QuotaStore } from './types.ts';

/** A worker's request to the primary's store. */
export type QuotaRequest =
  | { tollgate: 'quota-consume'; id: number; key: string; takes: BucketTake[] }
  | { tollgate: 'quota-refund'; key: string; bucket: BucketSpec; tokens: number };

/** The primary's answer to a consume. */
export interface QuotaReply {
  tollgate: 'quota-decision';
  id: number;
  decision: QuotaDecision;
}

/** How long a worker waits for the primary's decision: it answers in microseconds unless it is gone or stuck. */
const REPLY_TIMEOUT_MS = 2_000;

/** In a worker: the quota store whose every decision the primary takes. */
export class PrimaryQuotaStore implements QuotaStore {
  readonly #pending = new Map<number, { resolve: (decision: QuotaDecision) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  #nextId = 1;

  constructor(private readonly send: (message: QuotaRequest) => void) {}

  consume(quotaKey: string, takes: BucketTake[]): Promise<QuotaDecision> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      // Refused as the Redis store's fail_closed is (503 QUOTA_STORE_UNAVAILABLE): never admitted uncounted.
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new QuotaStoreUnavailableError());
      }, REPLY_TIMEOUT_MS);
      this.#pending.set(id, { resolve, reject, timer });
      try {
        this.send({ tollgate: 'quota-consume', id, key: quotaKey, takes });
      } catch {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new QuotaStoreUnavailableError());
      }
    });
  }

  refund(quotaKey: string, bucket: BucketSpec, tokens: number): void {
    if (!(tokens > 0)) return;
    try {
      this.send({ tollgate: 'quota-refund', key: quotaKey, bucket, tokens });
    } catch {
      // The primary is gone: this worker is about to exit (cluster), the refund with it.
    }
  }

  /** A message from the primary; true when it was this store's. */
  receive(message: unknown): boolean {
    if (!isReply(message)) return false;
    const waiting = this.#pending.get(message.id);
    if (waiting === undefined) return true; // timed out already
    this.#pending.delete(message.id);
    clearTimeout(waiting.timer);
    waiting.resolve(message.decision);
    return true;
  }

  async close(): Promise<void> {
    // The store is the primary's: it outlives this worker. Requests still waiting fail as unavailable.
    for (const [id, waiting] of this.#pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new QuotaStoreUnavailableError());
      this.#pending.delete(id);
    }
  }
}

/** In the primary: applies a worker's message to the shared store; the reply to send back, if any. */
export function answerQuotaRequest(store: MemoryQuotaStore, message: unknown): QuotaReply | 'handled' | undefined {
  if (!isRequest(message)) return undefined;
  if (message.tollgate === 'quota-refund') {
    store.refund(message.key, message.bucket, message.tokens);
    return 'handled';
  }
  return { tollgate: 'quota-decision', id: message.id, decision: store.consumeNow(message.key, message.takes) };
}

function isReply(message: unknown): message is QuotaReply {
  return typeof message === 'object' && message !== null && (message as { tollgate?: unknown }).tollgate === 'quota-decision';
}

function isRequest(message: unknown): message is QuotaRequest {
  const kind = typeof message === 'object' && message !== null ? (message as { tollgate?: unknown }).tollgate : undefined;
  return kind === 'quota-consume' || kind === 'quota-refund';
}
