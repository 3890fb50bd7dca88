import type { Redis } from 'ioredis';

interface QueuedCall {
  numKeys: number;
  args: Array<string | number>;
  resolve(reply: unknown): void;
  reject(error: unknown): void;
}

/**
 * EVALSHAs of one script, those asked for in the same event-loop turn sent together: one pipeline,
 * so one socket write (and one read of the replies) for all the requests of a busy turn instead of
 * one write per request — on loopback a write costs about as much CPU as the script call's own
 * work in the gateway. The turn ends at `setImmediate`, after the poll phase that read the
 * requests; no call waits for another call's reply (ioredis' auto-pipelining holds a batch until
 * the previous batch has answered, which made busy gateways miss their quota deadlines).
 * Each call settles with its own reply or error (NOSCRIPT included, for the caller to retry).
 */
export class ScriptBatch {
  #queue: QueuedCall[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly sha: string,
  ) {}

  evalsha(numKeys: number, args: Array<string | number>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.#queue.push({ numKeys, args, resolve, reject }) === 1) setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 1) {
      const [call] = batch as [QueuedCall];
      this.redis.evalsha(this.sha, call.numKeys, ...call.args).then(call.resolve, call.reject);
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const call of batch) pipeline.evalsha(this.sha, call.numKeys, ...call.args);
    pipeline.exec().then(
      (results) => {
        if (!results) throw new Error('Redis pipeline was not executed');
        results.forEach(([error, reply], i) => (error ? batch[i]!.reject(error) : batch[i]!.resolve(reply)));
      },
    ).catch((error: unknown) => {
      for (const call of batch) call.reject(error);
    });
  }
}
