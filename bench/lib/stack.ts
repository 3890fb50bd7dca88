// Starts a scenario's subgraphs child process and waits (bounded) for its StackMessage.
import type { StackMessage } from './child.ts';
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
