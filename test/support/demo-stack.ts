// The demo's backends and its four subgraphs on free ports, for integration and e2e tests.
import { startBackends, type RunningBackends } from '../../subgraphs/backends/index.ts';
import { startSubgraphs, subgraphNames, subgraphSdl, type RunningSubgraphs, type SubgraphName } from '../../subgraphs/index.ts';

export interface DemoStack {
  backends: RunningBackends;
  subgraphs: RunningSubgraphs;
  /** Each subgraph's name, runtime URL and SDL: what composition needs. */
  services: Array<{ name: SubgraphName; routingUrl: string; sdl: string }>;
  stop(): Promise<void>;
}

/** latencyMs delays every backend reply (default 0), making in-flight overlap observable. */
export async function startDemoBackendsAndSubgraphs(opts: { latencyMs?: number } = {}): Promise<DemoStack> {
  const backends = await startBackends({ latencyMs: opts.latencyMs ?? 0 });
  let subgraphs: RunningSubgraphs;
  try {
    subgraphs = await startSubgraphs(backends);
  } catch (err) {
    await backends.stop();
    throw err;
  }
  return {
    backends,
    subgraphs,
    services: subgraphNames.map((name) => ({ name, routingUrl: subgraphs.urls[name], sdl: subgraphSdl(name) })),
    async stop() {
      await subgraphs.stop();
      await backends.stop();
    },
  };
}
