// Shared record of every call the demo backends serve, so tests can assert batching (one call
// for N keys) and parallelism (overlapping startedAt/endedAt windows).
import { performance } from 'node:perf_hooks';

export type BackendService = 'users-api' | 'products-api' | 'order-service' | 'review-service';

export interface CallRecord {
  service: string;
  method: string;
  /** The ids the call asked for (empty for calls such as "featured" that take no ids). */
  keys: string[];
  /** performance.now() when the request arrived. */
  startedAt: number;
  /** performance.now() just before the reply was sent. */
  endedAt: number;
}

export interface CallLog {
  records: CallRecord[];
  clear(): void;
}

export function createCallLog(): CallLog {
  const log: CallLog = {
    records: [],
    clear() {
      // Truncate in place so references held by callers stay valid.
      log.records.length = 0;
    },
  };
  return log;
}

/** Starts timing one call; `finish()` records it and must be called right before replying. */
export function beginCall(log: CallLog, service: BackendService, method: string, keys: string[]): () => void {
  const startedAt = performance.now();
  return () => {
    log.records.push({ service, method, keys, startedAt, endedAt: performance.now() });
  };
}

/** The artificial reply delay that makes in-flight overlap observable in tests. */
export function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
