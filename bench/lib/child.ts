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

/** The message a stack child sends once its subgraphs listen and the supergraph is written. */
export type StackMessage =
  | { type: 'ready'; supergraphPath: string; urls: Record<string, string> }
  | { type: 'skipped'; reason: string }
  | { type: 'failed'; reason: string };
