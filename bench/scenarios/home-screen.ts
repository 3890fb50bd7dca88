// The demo's home-screen query through the real REST/gRPC-backed subgraphs of subgraphs/.
// There is no oracle for the demo data: the baseline gateway's reply is the reference.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestCounter, startStack } from '../lib/stack.ts';
import { graphqlBody, type Scenario } from './types.ts';

const QUERY_FILE = 'subgraphs/home-screen.graphql';

export const homeScreen: Scenario = {
  name: 'demo',
  workloadNames: ['home-screen'],
  async start(ctx) {
    const queryFile = join(ctx.repoRoot, QUERY_FILE);
    if (!existsSync(queryFile)) return { skipped: `${QUERY_FILE} does not exist yet` };
    const out = join(ctx.runDir, 'demo.supergraph.graphql');
    const stack = fileURLToPath(new URL('../demo/stack.ts', import.meta.url));
    const { child, message } = await startStack('demo-stack', stack, [out], ctx.repoRoot);
    if (message.type === 'skipped') return { skipped: message.reason };
    if (message.type === 'failed') throw new Error(`demo stack: ${message.reason}`);
    const query = readFileSync(queryFile, 'utf8');
    return {
      supergraphPath: message.supergraphPath,
      workloads: [{ name: 'home-screen', body: graphqlBody(query, { userId: 'u1' }, 'HomeScreen') }],
      pid: child.pid,
      subgraphRequests: requestCounter(child),
      stop: () => child.stop(),
    };
  },
};
