// `tollgate serve --workers N` (server.workers): this process becomes the cluster primary. It
// serves nothing itself: it forks N workers (node:cluster: separate processes, so one crash or one
// heap exhaustion takes one worker, and each can be told apart by pid), which share its one
// listening socket (the primary accepts and hands connections round-robin). It keeps them
// running, passes signals on, and answers what the workers ask of it (workers-link.ts): the
// shared memory quota store, every worker's metrics for a scrape, the number of live workers.
//
// Start-up: the config was validated here before any fork. A worker that fails to start while
// the first N start (a supergraph that does not load, a port in use) fails the whole start-up:
// its message printed once, exit 1. Later a worker that exits without being asked to is started
// again after a backoff (250 ms doubling to 30 s while it keeps exiting within 10 s of its start);
// when none is serving and starts keep failing (MAX_FAILED_STARTS in a row), the primary exits 1.
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config/schema.ts';
import { MemoryQuotaStore } from './quota/memory-store.ts';
import { answerQuotaRequest } from './quota/primary-store.ts';
import { restartOnlyChanges } from './reload.ts';
import { PrimaryMetrics } from './telemetry/cluster-metrics.ts';
import { createLogger } from './telemetry/logger.ts';
import type { MetricsSnapshot } from './telemetry/metrics.ts';
import { SCRAPE_TIMEOUT_MS, WORKER_ID_ENV, type FromWorker, type ToWorker } from './workers-link.ts';

export interface PrimaryOptions {
  workers: number;
  /** The config in force, validated. */
  config: GatewayConfig;
  /** Reads and validates the config file again (SIGHUP). */
  reread(): Promise<{ config: GatewayConfig }>;
  /** Signals a supervisor (the memory budget's, bin/memory-budget.mjs) forwards over IPC. */
  supervised: boolean;
}

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;
/** A worker that ran this long before exiting was not crash-looping: its next start is not delayed. */
const STABLE_AFTER_MS = 10_000;
/** Starts in a row that failed, with no worker serving, before the primary gives up (exit 1). */
const MAX_FAILED_STARTS = 5;
/** After the drain and the shutdown timeout, how long the primary still waits for a worker to exit. */
const EXIT_GRACE_MS = 5_000;

/**
 * How long to wait before starting a worker again, after `quickExits` exits in a row each within
 * STABLE_AFTER_MS of its start: none after a worker that ran a while, then 250 ms doubling to 30 s,
 * so a worker that crashes at once costs a start every 30 s, not a busy loop.
 */
export function restartDelayMs(quickExits: number): number {
  return quickExits === 0 ? 0 : Math.min(FIRST_BACKOFF_MS * 2 ** (quickExits - 1), MAX_BACKOFF_MS);
}

interface Slot {
  id: number;
  worker: Worker | undefined;
  /** Answered `started`: serving. */
  live: boolean;
  startedAt: number;
  /** Exits within STABLE_AFTER_MS of a start, in a row: the backoff's exponent. */
  quickExits: number;
  restartTimer: NodeJS.Timeout | undefined;
  /** The worker's own account of a failed start (its start-up error), if it sent one. */
  startError: string | undefined;
  /** Asked to stop (shutdown): its exit is expected. */
  asked: boolean;
}

interface Gather {
  asker: Worker;
  askerId: number;
  waiting: Set<number>;
  snapshots: MetricsSnapshot[];
  timer: NodeJS.Timeout;
}

export function runPrimary(options: PrimaryOptions): void {
  let config = options.config;
  const logger: Logger = createLogger(config.telemetry.logging).child({ component: 'primary' });
  const slots: Slot[] = Array.from({ length: options.workers }, (_, i) => ({
    id: i + 1,
    worker: undefined,
    live: false,
    startedAt: 0,
    quickExits: 0,
    restartTimer: undefined,
    startError: undefined,
    asked: false,
  }));
  const bySlot = new Map<Worker, Slot>();
  let startingUp = true;
  let stopping = false;
  let restarts = 0;
  let failedStartsInRow = 0;
  let quotaStore: MemoryQuotaStore | undefined;
  const metrics = new PrimaryMetrics(() => ({ live: liveCount(), configured: options.workers, restarts }));
  const gathers = new Map<number, Gather>();
  let nextGather = 1;
  let reload: { pending: Set<Worker>; errors: string[]; timer: NodeJS.Timeout } | undefined;

  const liveCount = () => slots.filter((slot) => slot.live).length;
  const send = (worker: Worker, message: ToWorker) => {
    if (worker.isConnected()) worker.send(message);
  };
  const broadcastCount = () => {
    const message: ToWorker = { tollgate: 'workers', live: liveCount(), configured: options.workers };
    for (const slot of slots) if (slot.worker) send(slot.worker, message);
  };

  const fork = (slot: Slot) => {
    slot.restartTimer = undefined;
    slot.startError = undefined;
    slot.asked = false;
    slot.startedAt = Date.now();
    const worker = cluster.fork({ [WORKER_ID_ENV]: String(slot.id) });
    slot.worker = worker;
    bySlot.set(worker, slot);
    worker.on('message', (message: FromWorker) => onMessage(slot, worker, message));
    worker.on('exit', (code: number | null, signal: string | null) => onExit(slot, worker, code, signal as NodeJS.Signals | null));
  };

  const onMessage = (slot: Slot, worker: Worker, message: FromWorker) => {
    if (typeof message !== 'object' || message === null) return;
    // The shared quota store first: it is asked on every admitted request.
    if (quotaStore === undefined && typeof message.tollgate === 'string' && message.tollgate.startsWith('quota-')) quotaStore = new MemoryQuotaStore();
    const reply = quotaStore && answerQuotaRequest(quotaStore, message);
    if (reply !== undefined) {
      if (reply !== 'handled' && worker.isConnected()) worker.send(reply);
      return;
    }
    switch (message.tollgate) {
      case 'started':
        slot.live = true;
        failedStartsInRow = 0;
        logger.info({ worker: slot.id, pid: worker.process.pid }, 'worker started');
        broadcastCount();
        if (startingUp && slots.every((s) => s.live)) {
          startingUp = false;
          console.error(`tollgate: serving ${message.url} with ${options.workers} workers (primary pid ${process.pid})`);
        }
        return;
      case 'start-failed':
        slot.startError = message.message;
        return;
      case 'reloaded':
        if (reload?.pending.delete(worker)) {
          if (message.error !== undefined) reload.errors.push(`worker ${slot.id}: ${message.error}`);
          if (reload.pending.size === 0) finishReload();
        }
        return;
      case 'metrics-gather':
        gather(worker, message.id);
        return;
      case 'metrics-snapshot': {
        const pending = gathers.get(message.id);
        if (pending && pending.waiting.delete(worker.id)) {
          pending.snapshots.push(message.snapshot);
          if (pending.waiting.size === 0) void finishGather(message.id);
        }
        return;
      }
    }
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: NodeJS.Signals | null) => {
    bySlot.delete(worker);
    if (slot.worker === worker) slot.worker = undefined;
    const wasLive = slot.live;
    slot.live = false;
    for (const [id, pending] of gathers) if (pending.waiting.delete(worker.id) && pending.waiting.size === 0) void finishGather(id);
    if (reload?.pending.delete(worker) && reload.pending.size === 0) finishReload();
    broadcastCount();
    const how = signal ? `was ended by ${signal}` : `exited with code ${code}`;
    if (stopping) {
      // A worker that did not drain cleanly makes the shutdown's exit code say so.
      if (code !== 0) {
        exitCode = 1;
        logger.error({ worker: slot.id, pid: worker.process.pid, code, signal }, `worker ${slot.id} ${how} while stopping`);
      }
      if (slots.every((s) => s.worker === undefined)) finishStop();
      return;
    }
    if (startingUp) {
      // One failed start fails them all: said once, the worker's own reason when it gave one.
      console.error(`tollgate serve: ${slot.startError ?? `worker ${slot.id} (pid ${worker.process.pid}) ${how} during start-up`}`);
      killAll('SIGKILL');
      process.exit(1);
    }
    if (!wasLive) failedStartsInRow++;
    if (failedStartsInRow >= MAX_FAILED_STARTS && liveCount() === 0) {
      console.error(`tollgate serve: workers keep failing to start (${failedStartsInRow} in a row, none serving): ${slot.startError ?? how}; exiting`);
      killAll('SIGKILL');
      process.exit(1);
    }
    slot.quickExits = Date.now() - slot.startedAt < STABLE_AFTER_MS ? slot.quickExits + 1 : 0;
    const delayMs = restartDelayMs(slot.quickExits);
    restarts++;
    logger.error(
      { worker: slot.id, pid: worker.process.pid, code, signal, restartInMs: delayMs, ...(slot.startError ? { error: slot.startError } : {}) },
      `worker ${slot.id} ${how}; starting it again`,
    );
    slot.restartTimer = setTimeout(() => fork(slot), delayMs);
  };

  /** Every worker's series (those that answer within SCRAPE_TIMEOUT_MS) and the primary's, to the worker that was scraped. */
  const gather = (asker: Worker, askerId: number) => {
    const id = nextGather++;
    const targets = slots.flatMap((slot) => (slot.worker?.isConnected() ? [slot.worker] : []));
    const timer = setTimeout(() => void finishGather(id), SCRAPE_TIMEOUT_MS);
    gathers.set(id, { asker, askerId, waiting: new Set(targets.map((worker) => worker.id)), snapshots: [], timer });
    for (const worker of targets) send(worker, { tollgate: 'metrics-collect', id });
    if (targets.length === 0) void finishGather(id);
  };
  const finishGather = async (id: number) => {
    const pending = gathers.get(id);
    if (pending === undefined) return;
    gathers.delete(id);
    clearTimeout(pending.timer);
    if (pending.waiting.size > 0) logger.warn({ missing: pending.waiting.size }, 'metrics: workers that did not answer in time are left out of this scrape');
    const snapshots = [...pending.snapshots, await metrics.snapshot()];
    send(pending.asker, { tollgate: 'metrics-gathered', id: pending.askerId, snapshots });
  };

  // SIGHUP: validated here once (a bad file or a restart-only change said once), then applied by every worker.
  const onReload = () => {
    if (stopping) return;
    options.reread().then(
      ({ config: next }) => {
        const restart = restartOnlyChanges(config, next);
        if (restart.length > 0) {
          console.error(`tollgate: SIGHUP: config not reloaded: ${restart.join(', ')} changed, which needs a restart; nothing was changed`);
          return;
        }
        if (reload) clearTimeout(reload.timer);
        const targets = slots.flatMap((slot) => (slot.worker?.isConnected() ? [slot.worker] : []));
        reload = { pending: new Set(targets), errors: [], timer: setTimeout(() => finishReload(), 60_000) };
        config = next;
        for (const worker of targets) send(worker, { tollgate: 'signal', signal: 'SIGHUP' });
        if (targets.length === 0) finishReload();
      },
      (error: unknown) => console.error(`tollgate: SIGHUP: config not reloaded: ${(error as Error).message}`),
    );
  };
  const finishReload = () => {
    if (reload === undefined) return;
    clearTimeout(reload.timer);
    const { errors, pending } = reload;
    reload = undefined;
    const missing = [...pending].map((worker) => `worker ${bySlot.get(worker)?.id ?? '?'}: no answer`);
    const problems = [...errors, ...missing];
    if (problems.length === 0) console.error(`tollgate: SIGHUP: config reloaded (${options.workers} workers)`);
    else console.error(`tollgate: SIGHUP: config not reloaded everywhere: ${problems.join('; ')}`);
  };

  // SIGTERM / SIGINT: every worker drains (its /ready 503, then its requests finish), then exit 0.
  // A second one from the same source: every worker ended at once, exit 1. As in serve-command.ts,
  // a terminal's Ctrl-C reaches every process of the group at once, which is one request.
  const asked = new Set<'signal' | 'supervisor'>();
  let exitCode = 0;
  const stop = (signal: 'SIGINT' | 'SIGTERM', source: 'signal' | 'supervisor') => {
    if (asked.has(source)) {
      console.error(`tollgate: ${signal} again, exiting now`);
      killAll('SIGKILL');
      process.exit(1);
    }
    asked.add(source);
    if (stopping) return;
    stopping = true;
    console.error(`tollgate: ${signal}: draining ${liveCount()} workers, then stopping (${signal} again to exit at once)`);
    for (const slot of slots) {
      clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
      if (slot.worker) {
        slot.asked = true;
        send(slot.worker, { tollgate: 'signal', signal });
      }
    }
    const bound = config.server.shutdown_drain_ms + config.server.shutdown_timeout_ms + EXIT_GRACE_MS;
    setTimeout(() => {
      console.error(`tollgate: workers still running ${bound} ms after ${signal}; ending them`);
      killAll('SIGKILL');
      process.exit(1);
    }, bound).unref();
    if (slots.every((slot) => slot.worker === undefined)) finishStop();
  };
  const finishStop = () => {
    logger.info('stopped');
    process.exit(exitCode);
  };
  const killAll = (signal: NodeJS.Signals) => {
    for (const slot of slots) {
      clearTimeout(slot.restartTimer);
      slot.worker?.process.kill(signal);
    }
  };
  process.on('SIGINT', () => stop('SIGINT', 'signal'));
  process.on('SIGTERM', () => stop('SIGTERM', 'signal'));
  process.on('SIGHUP', onReload);
  if (options.supervised && process.send !== undefined) {
    process.on('message', (message: { tollgate?: unknown; signal?: unknown } | null) => {
      if (message?.tollgate !== 'signal') return;
      if (message.signal === 'SIGHUP') onReload();
      else if (message.signal === 'SIGINT' || message.signal === 'SIGTERM') stop(message.signal, 'supervisor');
    });
    process.on('disconnect', () => {
      if (!stopping) stop('SIGTERM', 'supervisor');
    });
  }
  // The primary dying takes the workers with it (cluster ends a worker whose primary is gone).
  for (const slot of slots) fork(slot);
}
