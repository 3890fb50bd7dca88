// The demo as shipped: its backends and subgraphs on free ports, and a gateway running
// gateway/gateway.yaml (no Redis: the embedded store) over their composed supergraph.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../gateway/src/config/load.ts';
import { startGateway, type RunningGateway, type StartOptions } from '../../gateway/src/gateway.ts';
import { startDemoBackendsAndSubgraphs, type DemoStack } from './demo-stack.ts';
import { composeForTest } from './gateway.ts';

export interface ShippedDemo {
  stack: DemoStack;
  gateway: RunningGateway;
  stop(): Promise<void>;
}

/** `JWKS_URL` defaults to a port that refuses (tests that verify no token need none). */
export async function startShippedDemo(env: Record<string, string> = {}, options: Pick<StartOptions, 'demoToken'> = {}): Promise<ShippedDemo> {
  const stack = await startDemoBackendsAndSubgraphs();
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-demo-'));
  const cleanup = async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const supergraphFile = join(dir, 'supergraph.graphql');
    await writeFile(supergraphFile, composeForTest(stack.services));
    // TOLLGATE_REDIS_URL unset, as for `npm start`.
    const { config, baseDir } = await loadConfigFile('gateway/gateway.yaml', { LOG_LEVEL: 'silent', JWKS_URL: 'http://127.0.0.1:9/jwks.json', ...env });
    config.server.listen = '127.0.0.1:0';
    config.supergraph = { ...config.supergraph, file: supergraphFile, compose: undefined };
    const gateway = await startGateway(config, { baseDir, ...options }); // relative paths (manifests) as `tollgate serve` resolves them
    return {
      stack,
      gateway,
      async stop() {
        await gateway.stop();
        await cleanup();
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
