// Helpers for the harness's own child processes: never outlive the harness, even when it is
// killed with SIGKILL and cannot clean up.
export function exitWithParent(): void {
  if (process.send) {
    process.on('disconnect', () => process.exit(0));
  } else {
    // Spawned with a stdin pipe: the pipe closes when the parent dies.
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
}

/** Parent → stack child: how many requests have the subgraphs received so far? */
export interface RequestCountQuery {
  type: 'request-count?';
  id: number;
}

/** Stack child → parent: the answer to a RequestCountQuery. */
export interface RequestCountReply {
  type: 'request-count';
  id: number;
  count: number;
}

/** In a stack child: answers the harness's RequestCountQuery messages with `count()`. */
export function answerRequestCounts(count: () => number): void {
  process.on('message', (m: unknown) => {
    const q = m as Partial<RequestCountQuery> | null;
    if (q?.type === 'request-count?' && typeof q.id === 'number') {
      const reply: RequestCountReply = { type: 'request-count', id: q.id, count: count() };
      process.send?.(reply);
    }
  });
}

/** The message a stack child sends once its subgraphs listen and the supergraph is written. */
export type StackMessage =
  | { type: 'ready'; supergraphPath: string; urls: Record<string, string> }
  | { type: 'skipped'; reason: string }
  | { type: 'failed'; reason: string };
