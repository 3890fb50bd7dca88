// A deadline for one quota check that measures the store, not this process.
//
// A plain setTimeout races the reply inside one event loop: when a CPU-heavy request blocks the
// loop for 200 ms, the timer and the Redis reply are both due when it unblocks, and the timers
// phase runs before the poll phase that would read the reply, so a Redis that answered in 1 ms
// "timed out". Two rules keep the lag out of the measure:
//   1. time the loop could not run does not count: each time the timer fires late, the lateness
//      (the event-loop lag) is added back to the budget;
//   2. the deadline is only declared after one more poll phase (setImmediate runs after poll), so a
//      reply already sitting in the socket is read first.
// A hard cap (`hardCapFactor` × timeout of wall time) bounds the wait when the loop never recovers.

export type DeadlineOutcome<T> =
  | { kind: 'value'; value: T; lagMs: number }
  | { kind: 'error'; error: unknown; lagMs: number }
  | { kind: 'timeout'; lagMs: number };

/** Lateness below this is ordinary timer jitter, not lag. */
const JITTER_MS = 5;

export function withinDeadline<T>(work: Promise<T>, timeoutMs: number, hardCapFactor = 10): Promise<DeadlineOutcome<T>> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    let lagMs = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: DeadlineOutcome<T>) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      resolve(outcome);
    };
    work.then(
      (value) => finish({ kind: 'value', value, lagMs }),
      (error: unknown) => finish({ kind: 'error', error, lagMs }),
    );

    let armedAt = startedAt;
    let armedFor = timeoutMs;
    const fire = () => {
      const now = performance.now();
      const late = now - armedAt - armedFor;
      const overCap = now - startedAt >= timeoutMs * hardCapFactor;
      if (late > JITTER_MS && !overCap) {
        // The loop was blocked for `late` ms: give that time back, then look again.
        lagMs += late;
        armedAt = now;
        armedFor = late;
        timer = setTimeout(fire, armedFor);
        return;
      }
      // One poll phase first: a reply already received is read before we call it a timeout.
      setImmediate(() => finish({ kind: 'timeout', lagMs }));
    };
    timer = setTimeout(fire, armedFor);
  });
}
