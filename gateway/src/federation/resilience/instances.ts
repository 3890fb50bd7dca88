import type { Pool } from 'undici';
import type { OutlierSettings } from '../config.ts';

/** One instance (URL) of a subgraph: its pool and what passive health checking knows of it. */
export class SubgraphInstance {
  inFlight = 0;
  consecutiveFailures = 0;
  /** Ejected until this time (0: never ejected, or back). */
  ejectedUntil = 0;
  /** Ejections since the last success: each one lasts twice as long as the one before. */
  ejections = 0;
  /** Back from an ejection without a success yet: one failure ejects it again. */
  probation = false;
  /** Times ejected in all, for stats. */
  ejectedTotal = 0;
  readonly path: string;

  constructor(
    readonly index: number,
    readonly url: string,
    readonly pool: Pool,
  ) {
    const parsed = new URL(url);
    this.path = parsed.pathname + parsed.search;
  }

  isEjected(now: number): boolean {
    return this.ejectedUntil > now;
  }
}

/**
 * The instances of one subgraph. A fetch goes to the healthy instance with the fewest requests
 * in flight (ties in turn), a retry to another one when there is one. An instance that fails
 * `consecutiveFailures` times in a row (connection error, timeout, 5xx) is ejected for
 * `baseEjectionMs`, doubled per repeated ejection up to `maxEjectionMs` (Envoy's outlier
 * detection); after that it is tried again, and one more failure ejects it at once. With every
 * instance ejected the one due back first is used rather than none (Envoy's panic mode).
 */
export class InstanceSet {
  private next = 0;

  constructor(
    readonly instances: readonly SubgraphInstance[],
    private readonly settings: OutlierSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** The instance for the next attempt; `avoid` (the last attempt's) only when no other is healthy. */
  pick(avoid?: SubgraphInstance): SubgraphInstance {
    const list = this.instances;
    if (list.length === 1) return list[0]!;
    const now = this.now();
    let best: SubgraphInstance | undefined;
    const start = this.next;
    for (let k = 0; k < list.length; k++) {
      const instance = list[(start + k) % list.length]!;
      if (instance === avoid || instance.isEjected(now)) continue;
      if (!best || instance.inFlight < best.inFlight) best = instance;
    }
    if (!best && avoid && !avoid.isEjected(now)) best = avoid;
    if (!best) for (const instance of list) if (!best || instance.ejectedUntil < best.ejectedUntil) best = instance;
    this.next = (best!.index + 1) % list.length;
    return best!;
  }

  succeeded(instance: SubgraphInstance): void {
    instance.consecutiveFailures = 0;
    instance.ejections = 0;
    instance.probation = false;
  }

  failed(instance: SubgraphInstance): void {
    if (this.instances.length === 1) return;
    instance.consecutiveFailures++;
    const now = this.now();
    if (instance.isEjected(now)) return;
    if (instance.probation || instance.consecutiveFailures >= this.settings.consecutiveFailures) this.eject(instance, now);
  }

  /** An active health check answered: the instance is back now (on probation). */
  healthy(instance: SubgraphInstance): void {
    if (!instance.isEjected(this.now())) return;
    instance.ejectedUntil = 0;
    instance.consecutiveFailures = 0;
    instance.probation = true;
  }

  private eject(instance: SubgraphInstance, now: number): void {
    const { baseEjectionMs, maxEjectionMs } = this.settings;
    instance.ejectedUntil = now + Math.min(maxEjectionMs, baseEjectionMs * 2 ** Math.min(instance.ejections, 20));
    instance.ejections++;
    instance.ejectedTotal++;
    instance.consecutiveFailures = 0;
    instance.probation = true;
  }
}
