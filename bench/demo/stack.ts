// Child process: the demo's real REST/gRPC backends and its four subgraphs (from subgraphs/),
// then the demo supergraph composed with their runtime URLs. Usage: stack.ts <supergraph-out>
// Imported by path at run time, so the harness still type-checks and runs while the demo is
// being written; a missing piece is reported as `skipped`, not as a crash.
import { subscribe } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { answerRequestCounts, exitWithParent, type StackMessage } from '../lib/child.ts';
import { writeSupergraph } from '../lib/compose.ts';

exitWithParent();

// Requests received by the four subgraph servers (not the REST backends, which are HTTP servers
// in this process too), for the "subgraph requests per client request" column. The servers are
// created in subgraphs/, so they are counted from node:http's diagnostics channel, each server
// recognised once by its port.
let subgraphRequests = 0;
const subgraphPorts = new Set<number>();
const isSubgraph = new WeakMap<Server, boolean>();
subscribe('http.server.request.start', (message) => {
  const { server } = message as { server: Server };
  let yes = isSubgraph.get(server);
  if (yes === undefined) {
    if (subgraphPorts.size === 0) return; // subgraphs not started yet
    const address = server.address();
    yes = typeof address === 'object' && address !== null && subgraphPorts.has(address.port);
    isSubgraph.set(server, yes);
  }
  if (yes) subgraphRequests++;
});
answerRequestCounts(() => subgraphRequests);
const out = process.argv[2];
const send = (m: StackMessage) => process.send?.(m);
const repoFile = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

type Fn = (...args: unknown[]) => unknown;

async function load(path: string, exports: string[]): Promise<Record<string, Fn> | string> {
  const file = repoFile(path);
  if (!existsSync(file)) return `${path} does not exist yet`;
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const missing = exports.filter((name) => typeof mod[name] !== 'function');
  if (missing.length > 0) return `${path} does not export ${missing.join(', ')}`;
  return mod as Record<string, Fn>;
}

try {
  if (!out) throw new Error('usage: stack.ts <supergraph-out-file>');
  const backendsMod = await load('subgraphs/backends/index.ts', ['startBackends']);
  const subgraphsMod = await load('subgraphs/index.ts', ['startSubgraphs', 'subgraphSdl']);
  if (typeof backendsMod === 'string' || typeof subgraphsMod === 'string') {
    send({ type: 'skipped', reason: [backendsMod, subgraphsMod].filter((m) => typeof m === 'string').join('; ') });
    process.exit(0);
  }
  const backends = await backendsMod['startBackends']!();
  // The backends record every call for tests; under load that log would only grow.
  const calls = (backends as { calls?: { clear?: () => void } }).calls;
  if (typeof calls?.clear === 'function') setInterval(() => calls.clear?.(), 1000).unref();
  const started = (await subgraphsMod['startSubgraphs']!(backends)) as { urls: Record<string, string> };
  for (const url of Object.values(started.urls)) subgraphPorts.add(Number(new URL(url).port));
  const services = [];
  for (const [name, url] of Object.entries(started.urls)) {
    const sdl = (await subgraphsMod['subgraphSdl']!(name)) as string;
    services.push({ name, url, sdl });
  }
  writeSupergraph(services, out);
  send({ type: 'ready', supergraphPath: out, urls: started.urls });
} catch (err) {
  send({ type: 'failed', reason: (err as Error).stack ?? String(err) });
  process.exit(1);
}
