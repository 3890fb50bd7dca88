import { entityPart, type EntityJob } from '../entity-fetch.ts';
import { fetchEntities } from '../entity-request.ts';
import type { PlanRun } from '../plan-run.ts';
import type { BatchGroup } from './batch-plan.ts';

interface Queued {
  job: EntityJob;
  done: () => void;
}

/**
 * One run's batchable entity fetches (batch-plan.ts), held back while any branch of the plan is
 * still running and sent, per subgraph, as one request the moment every branch is waiting on a
 * fetch: so the fetches that start together (a Parallel's branches, and their continuations once
 * a shared answer comes back) go together, and none waits on another's answer. `running` counts
 * the branches not waiting; the plan runner reports forks, ended branches and waits.
 */
export class FetchBatcher {
  private running = 1;
  /** Requests of this run not answered yet: batchable fetches wait for them (waves). */
  private inFlight = 0;
  private queued = new Map<BatchGroup, Queued[]>();
  private safetyNet: NodeJS.Immediate | undefined;

  constructor(private readonly run: PlanRun) {}

  /** A Parallel step starts `branches` branches where one ran. */
  forked(branches: number): void {
    this.running += branches - 1;
  }

  /** A branch of a Parallel ended (not the last: that one goes on as the Parallel's continuation). */
  branchEnded(): void {
    this.running--;
    this.sendIfAllWaiting();
  }

  /** A fetch that is not batched: its branch waits on it. */
  async waitFor(fetch: Promise<void>): Promise<void> {
    this.running--;
    this.inFlight++;
    try {
      await fetch;
    } finally {
      this.inFlight--;
      this.running++;
    }
  }

  /** Queues a batchable fetch; resolves once its answer (or failure) is recorded. */
  fetch(job: EntityJob): Promise<void> {
    const group = (job.step.batch as NonNullable<EntityJob['step']['batch']>).group;
    return new Promise<void>((done) => {
      const list = this.queued.get(group);
      if (list) list.push({ job, done });
      else this.queued.set(group, [{ job, done }]);
      this.running--;
      this.sendIfAllWaiting();
      // Never needed while the counting is right; a mistake in it then costs a tick, not a hung request.
      if (this.queued.size > 0 && this.inFlight === 0) this.safetyNet ??= setImmediate(() => this.send());
    });
  }

  private sendIfAllWaiting(): void {
    if (this.running <= 0 && this.inFlight === 0 && this.queued.size > 0) this.send();
  }

  /** Sends what is queued: per subgraph one request, fetches of one operation in one part. */
  private send(): void {
    if (this.safetyNet) clearImmediate(this.safetyNet);
    this.safetyNet = undefined;
    const queued = this.queued;
    if (queued.size === 0) return;
    this.queued = new Map();
    for (const list of queued.values()) {
      const byOperation = new Map<number, EntityJob[]>();
      for (const { job } of list) {
        const id = (job.step.batch as NonNullable<EntityJob['step']['batch']>).operationId;
        const jobs = byOperation.get(id);
        if (jobs) jobs.push(job);
        else byOperation.set(id, [job]);
      }
      const parts = [...byOperation.values()].map(entityPart);
      this.inFlight++;
      const finished = () => {
        // Every branch resumes at once: counted running before any of them goes on.
        this.inFlight--;
        this.running += list.length;
        for (const { done } of list) done();
      };
      fetchEntities(this.run, parts).then(finished, (error: unknown) => {
        this.run.errors.push(error);
        finished();
      });
    }
  }
}
