// Starts a scenario's subgraphs child process and waits (bounded) for its StackMessage.
import type { RequestCountQuery, RequestCountReply, StackMessage } from './child.ts';
import { forkChild, type Child } from './processes.ts';

export async function startStack(
  name: string,
  module: string,
  args: string[],
  cwd: string,
  timeoutMs = 60_000,
): Promise<{ child: Child; message: StackMessage }> {
  const child = forkChild(name, module, args, { cwd, execArgv: ['--import', 'tsx'] });
  try {
    const message = await new Promise<StackMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: not ready after ${timeoutMs / 1000} s`)), timeoutMs);
      child.proc.once('message', (m) => {
        clearTimeout(timer);
        resolve(m as StackMessage);
      });
      void child.exited.then((code) =>
        setTimeout(() => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}):\n${child.logTail().trim()}`));
        }, 1000),
      );
    });
    if (message.type !== 'ready') await child.stop();
    return { child, message };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/**
 * Asks a ready stack child how many HTTP requests its subgraphs have received so far (one IPC
 * round trip); null if it does not answer within `timeoutMs` (e.g. it has exited).
 */
export function requestCounter(child: Child, timeoutMs = 2000): () => Promise<number | null> {
  let nextId = 0;
  const waiting = new Map<number, (count: number | null) => void>();
  child.proc.on('message', (m: unknown) => {
    const reply = m as Partial<RequestCountReply> | null;
    if (reply?.type !== 'request-count' || typeof reply.id !== 'number' || typeof reply.count !== 'number') return;
    waiting.get(reply.id)?.(reply.count);
  });
  return () =>
    new Promise<number | null>((resolve) => {
      const id = nextId++;
      const done = (count: number | null) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(count);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      waiting.set(id, done);
      const query: RequestCountQuery = { type: 'request-count?', id };
      // With a callback, a closed channel is reported there instead of as an 'error' event.
      try {
        child.proc.send(query, (err) => {
          if (err) done(null);
        });
      } catch {
        done(null);
      }
    });
}
