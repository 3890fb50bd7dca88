// The standard federation workload of the public gateway benchmarks: four small in-memory
// subgraphs, the heavy nested query, plus a one-hop query also sent straight to `products`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestCounter, startStack } from '../lib/stack.ts';
import { expectedData } from '../subgraphs/monolith.ts';
import { graphqlBody, type Scenario, type Workload } from './types.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

async function workload(name: string): Promise<Workload> {
  const query = readFileSync(here(`../queries/${name}.graphql`), 'utf8');
  return { name, body: graphqlBody(query), expectedData: await expectedData(query) };
}

export const standard: Scenario = {
  name: 'standard',
  workloadNames: ['heavy', 'top-products'],
  async start(ctx, selected) {
    const out = join(ctx.runDir, 'standard.supergraph.graphql');
    const { child, message } = await startStack('standard-subgraphs', here('../subgraphs/main.ts'), [out], ctx.repoRoot);
    if (message.type === 'skipped') return { skipped: message.reason };
    if (message.type === 'failed') throw new Error(`standard subgraphs: ${message.reason}`);
    const workloads = await Promise.all(this.workloadNames.filter(selected).map(workload));
    const topProducts = workloads.find((w) => w.name === 'top-products');
    const products = message.urls['products'];
    return {
      supergraphPath: message.supergraphPath,
      workloads,
      ...(topProducts && products ? { direct: { url: products, workload: topProducts } } : {}),
      pid: child.pid,
      subgraphRequests: requestCounter(child),
      stop: () => child.stop(),
    };
  },
};
