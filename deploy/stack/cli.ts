// `npm run stack:prod [-- --port 4000]`: the production topology as processes on loopback
// (stack.ts), a table of what runs where, and everything stopped by pid on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { MissingToolError } from './tools.ts';
import { startProdStack, type ProdStack, type StackEndpoint } from './stack.ts';

const USAGE = 'usage: npm run stack:prod [-- --port N]   (the load balancer\'s port; default a free one, or STACK_PORT)';

function lbPort(): number {
  let values;
  try {
    ({ values } = parseArgs({ options: { port: { type: 'string' }, help: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    console.error(`stack:prod: ${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const text = values.port ?? process.env.STACK_PORT ?? '0';
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`stack:prod: --port must be a port number from 0 to 65535, got "${text}"\n${USAGE}`);
    process.exit(2);
  }
  return port;
}

function formatTable(rows: readonly StackEndpoint[]): string {
  const head = ['part', 'pid', 'port', 'url'];
  const cells = rows.map((r) => [r.part, String(r.pid), String(r.port), r.url]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [head, ...cells].map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

const port = lbPort();
let stack: ProdStack | null = null;
let stopping = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (stopping) {
    // A second signal: end what is left at once.
    console.log(`stack:prod: ${signal} again: killing what is left`);
    for (const proc of stack?.processes() ?? []) proc.signal('SIGKILL');
    process.exit(1);
  }
  stopping = true;
  if (!stack) process.exit(130); // still starting: the start-up's own failure path cleans up
  console.log(`stack:prod: ${signal}: stopping (gateways drain first; ${signal} again to kill at once)`);
  void stack.stop().then(() => {
    console.log('stack:prod: stopped');
    process.exit(0);
  });
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

try {
  stack = await startProdStack({ lbPort: port, log: (line) => console.log(`stack:prod: ${line}`) });
} catch (err) {
  console.error(`stack:prod: ${err instanceof MissingToolError ? '' : 'failed to start: '}${(err as Error).message}`);
  process.exit(1);
}
console.log(`\n${formatTable(stack.endpoints())}\n`);
console.log(`ready: ${stack.lbUrl}/graphql through haproxy to ${stack.replicas.length} gateways; logs in ${stack.logDir}; Ctrl-C stops everything`);
// A replica that exits unasked is reported (HAProxy takes it out of rotation by itself).
for (const replica of stack.replicas) {
  void replica.process().whenExited().then(() => {
    if (!stopping) console.log(`stack:prod: ${replica.name} (pid ${replica.process().pid}) exited; see ${replica.process().logFile}`);
  });
}
