// A worker process's side of `tollgate serve --workers N` (workers-primary.ts is the other): what
// it tells its primary (started, failed to start, a reload's outcome) and what it asks of it over
// the cluster's IPC channel: quota decisions of the shared memory store, every worker's metrics
// for a scrape, the number of live workers for /ready. Messages are objects with a `tollgate` kind.
import cluster from 'node:cluster';
import { PrimaryQuotaStore, type QuotaRequest } from './quota/primary-store.ts';
import { renderAggregated } from './telemetry/cluster-metrics.ts';
import type { MetricsSnapshot } from './telemetry/metrics.ts';

/** This worker's number, 1..N (kept by the worker the primary starts in its place). */
export const WORKER_ID_ENV = 'TOLLGATE_WORKER_ID';

/** How long a scrape waits for the workers' series: one stuck worker must not fail the scrape. */
export const SCRAPE_TIMEOUT_MS = 3_000;

/** Primary → worker. */
export type ToWorker =
  | { tollgate: 'signal'; signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP' }
  | { tollgate: 'workers'; live: number; configured: number }
  | { tollgate: 'metrics-collect'; id: number }
  | { tollgate: 'metrics-gathered'; id: number; snapshots: MetricsSnapshot[] };

/** Worker → primary (besides the quota store's own, quota/primary-store.ts). */
export type FromWorker =
  | { tollgate: 'started'; url: string }
  | { tollgate: 'start-failed'; message: string }
  | { tollgate: 'reloaded'; error?: string }
  | { tollgate: 'metrics-gather'; id: number }
  | { tollgate: 'metrics-snapshot'; id: number; snapshot: MetricsSnapshot };

export class WorkerLink {
  /** 1..N, in every log line of this worker (`worker`). */
  readonly id: number;
  /** The primary's memory quota store (used when `redis.url` is empty). */
  readonly quotaStore: PrimaryQuotaStore;
  #live = 0;
  #configured = 0;
  #snapshot: (() => Promise<MetricsSnapshot>) | undefined;
  readonly #scrapes = new Map<number, (snapshots: MetricsSnapshot[]) => void>();
  #nextScrape = 1;

  /** The link of this process when it is a worker of `tollgate serve` (forked by its primary); else undefined. */
  static ofThisProcess(): WorkerLink | undefined {
    const id = Number(process.env[WORKER_ID_ENV]);
    return cluster.isWorker && process.send !== undefined && Number.isInteger(id) && id > 0 ? new WorkerLink(id) : undefined;
  }

  private constructor(id: number) {
    this.id = id;
    this.quotaStore = new PrimaryQuotaStore((message) => this.#send(message));
    process.on('message', (message: ToWorker) => this.#receive(message));
  }

  /** The primary's count of workers serving, and of workers configured (for /ready). */
  workers(): { live: number; configured: number } {
    return { live: this.#live, configured: this.#configured };
  }

  /** Where this worker's own series come from, when the primary gathers everyone's. */
  collectFrom(snapshot: () => Promise<MetricsSnapshot>): void {
    this.#snapshot = snapshot;
  }

  /** A scrape: every worker's series and the primary's, aggregated (a worker that does not answer in time is left out). */
  async scrape(): Promise<{ contentType: string; text: string }> {
    const id = this.#nextScrape++;
    const snapshots = await new Promise<MetricsSnapshot[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#scrapes.delete(id);
        reject(new Error('the primary did not answer'));
      }, SCRAPE_TIMEOUT_MS + 1_000);
      this.#scrapes.set(id, (gathered) => {
        clearTimeout(timer);
        resolve(gathered);
      });
      this.#send({ tollgate: 'metrics-gather', id });
    });
    return renderAggregated(snapshots);
  }

  started(url: string): void {
    this.#send({ tollgate: 'started', url });
  }

  /** Start-up failed: the primary reports it once for all workers (not N times). */
  startFailed(message: string): Promise<void> {
    return new Promise((resolve) => {
      try {
        process.send!({ tollgate: 'start-failed', message } satisfies FromWorker, undefined, {}, () => resolve());
      } catch {
        resolve();
      }
    });
  }

  reloaded(error?: string): void {
    this.#send(error === undefined ? { tollgate: 'reloaded' } : { tollgate: 'reloaded', error });
  }

  #send(message: FromWorker | QuotaRequest): void {
    if (process.connected) process.send!(message);
    else throw new Error('the primary process is gone');
  }

  #receive(message: ToWorker): void {
    if (typeof message !== 'object' || message === null) return;
    if (this.quotaStore.receive(message)) return;
    switch (message.tollgate) {
      case 'workers':
        this.#live = message.live;
        this.#configured = message.configured;
        return;
      case 'signal':
        return; // serve-command.ts handles it, as it does the memory budget supervisor's
      case 'metrics-collect': {
        const snapshot = this.#snapshot?.() ?? Promise.resolve([]);
        void snapshot.then(
          (metrics) => this.#trySend({ tollgate: 'metrics-snapshot', id: message.id, snapshot: metrics }),
          () => this.#trySend({ tollgate: 'metrics-snapshot', id: message.id, snapshot: [] }),
        );
        return;
      }
      case 'metrics-gathered':
        this.#scrapes.get(message.id)?.(message.snapshots);
        this.#scrapes.delete(message.id);
        return;
    }
  }

  #trySend(message: FromWorker): void {
    try {
      this.#send(message);
    } catch {
      // The primary is gone; cluster ends this worker.
    }
  }
}

