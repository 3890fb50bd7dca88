import type { Logger } from 'pino';
import { GatewayError } from '../core/errors.ts';
import type { BucketSpec, BucketTake, QuotaDecision, QuotaStore } from './types.ts';

export type StoreFailureMode = 'fail_open' | 'fail_closed';

export class QuotaStoreUnavailableError extends GatewayError {
  constructor() {
    super('QUOTA_STORE_UNAVAILABLE', 'Rate limiting is unavailable; try again shortly', { headers: { 'retry-after': '1' } });
  }
}

/**
 * Wraps the shared (Redis) store. When it fails or times out: `fail_open` admits, but counts in
 * a local in-memory store so one instance cannot run unbounded; `fail_closed` refuses with 503.
 * The mode in force is logged once per change and exposed for metrics.
 */
export class FailoverQuotaStore implements QuotaStore {
  private degraded = false;

  constructor(
    private readonly shared: QuotaStore,
    private readonly local: QuotaStore,
    private readonly mode: StoreFailureMode,
    private readonly logger: Logger,
  ) {}

  /** True while the shared store is failing (requests are decided locally or refused). */
  get isDegraded(): boolean {
    return this.degraded;
  }

  async consume(quotaKey: string, takes: BucketTake[]): Promise<QuotaDecision> {
    try {
      const decision = await this.shared.consume(quotaKey, takes);
      this.setDegraded(false);
      return decision;
    } catch (error) {
      this.setDegraded(true, error);
      if (this.mode === 'fail_closed') throw new QuotaStoreUnavailableError();
      return this.local.consume(quotaKey, takes);
    }
  }

  refund(quotaKey: string, bucket: BucketSpec, tokens: number): void {
    if (this.degraded) this.local.refund(quotaKey, bucket, tokens);
    else this.shared.refund(quotaKey, bucket, tokens);
  }

  async close(): Promise<void> {
    await Promise.all([this.shared.close(), this.local.close()]);
  }

  private setDegraded(degraded: boolean, error?: unknown): void {
    if (degraded === this.degraded) return;
    this.degraded = degraded;
    if (degraded) {
      this.logger.error(
        { err: error, mode: this.mode },
        this.mode === 'fail_open'
          ? 'quota store unavailable: admitting requests under local per-instance limits (fail_open)'
          : 'quota store unavailable: refusing requests with 503 (fail_closed)',
      );
    } else {
      this.logger.warn('quota store available again: shared limits in force');
    }
  }
}
