// The demo's home-screen query through the real REST/gRPC-backed subgraphs of subgraphs/.
// There is no oracle for the demo data: the baseline gateway's reply is the reference. Besides the
// free-form query (every gateway row), the row `tollgate+rest` asks for the same data as the
// trusted document by id (`home-screen-id`) and as GET /api/v1/home (`home-rest`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestCounter, startStack } from '../lib/stack.ts';
import { HOME_ENDPOINT, homeScreenDocumentId, REST_ROW } from '../rest-row.ts';
import { graphqlBody, type Scenario, type Workload } from './types.ts';

const QUERY_FILE = 'subgraphs/home-screen.graphql';

export const homeScreen: Scenario = {
  name: 'demo',
  workloadNames: ['home-screen', 'home-screen-id', 'home-rest'],
  async start(ctx, selected) {
    const queryFile = join(ctx.repoRoot, QUERY_FILE);
    if (!existsSync(queryFile)) return { skipped: `${QUERY_FILE} does not exist yet` };
    const out = join(ctx.runDir, 'demo.supergraph.graphql');
    const stack = fileURLToPath(new URL('../demo/stack.ts', import.meta.url));
    const { child, message } = await startStack('demo-stack', stack, [out], ctx.repoRoot);
    if (message.type === 'skipped') return { skipped: message.reason };
    if (message.type === 'failed') throw new Error(`demo stack: ${message.reason}`);
    const query = readFileSync(queryFile, 'utf8');
    const workloads: Workload[] = [
      { name: 'home-screen', body: graphqlBody(query, { userId: 'u1' }, 'HomeScreen') },
      { name: 'home-screen-id', body: JSON.stringify({ documentId: homeScreenDocumentId(), variables: { userId: 'u1' } }), rows: [REST_ROW], sameDataAs: 'home-screen' },
      { name: 'home-rest', method: 'GET', path: `${HOME_ENDPOINT}?userId=u1`, body: '', answer: 'data', rows: [REST_ROW], sameDataAs: 'home-screen' },
    ];
    return {
      supergraphPath: message.supergraphPath,
      workloads: workloads.filter((w) => selected(w.name)),
      pid: child.pid,
      subgraphRequests: requestCounter(child),
      stop: () => child.stop(),
    };
  },
};
