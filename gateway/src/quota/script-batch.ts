import type { RedisClient } from '../core/redis-client.ts';
import { byNode, isRedirection } from './node-groups.ts';

interface QueuedCall {
  numKeys: number;
  /** The keys, then the arguments. */
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
 *
 * On a Redis Cluster the turn's calls make one pipeline per node (node-groups.ts), sent at once,
 * so each call is still one round trip. A call its node answers with a redirection (its slot moved
 * since ioredis last read the slot map: MOVED, or is moving: ASK) did not run; it is sent again
 * alone, and ioredis follows the redirection — two round trips, for the first calls after a move.
 */
export class ScriptBatch {
  #queue: QueuedCall[] = [];

  constructor(
    private readonly redis: RedisClient,
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
    for (const group of byNode(this.redis, batch, (call) => String(call.args[0]))) this.#send(group);
  }

  #send(batch: QueuedCall[]): void {
    if (batch.length === 1) return this.#alone(batch[0]!);
    const pipeline = this.redis.pipeline();
    for (const call of batch) pipeline.evalsha(this.sha, call.numKeys, ...call.args);
    pipeline.exec().then(
      (results) => {
        if (!results) throw new Error('Redis pipeline was not executed');
        results.forEach(([error, reply], i) => {
          const call = batch[i]!;
          if (!error) call.resolve(reply);
          else if (isRedirection(error)) this.#alone(call);
          else call.reject(error);
        });
      },
    ).catch((error: unknown) => {
      for (const call of batch) call.reject(error);
    });
  }

  #alone(call: QueuedCall): void {
    this.redis.evalsha(this.sha, call.numKeys, ...call.args).then(call.resolve, call.reject);
  }
}
