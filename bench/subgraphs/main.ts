// Child process: the four standard subgraphs on their own ports in ONE process, then the
// supergraph composed with their URLs. Usage: main.ts <supergraph-out-file>
import { answerRequestCounts, exitWithParent, type StackMessage } from '../lib/child.ts';
import { writeSupergraph } from '../lib/compose.ts';
import { SUBGRAPH_NAMES, buildSchema, subgraphSdl } from './schemas.ts';
import { startSubgraphServer, subgraphRequestsReceived } from './server.ts';

exitWithParent();
// The harness reads the count before and after each measured window (subgraph requests per client request).
answerRequestCounts(subgraphRequestsReceived);
const out = process.argv[2];
const send = (m: StackMessage) => process.send?.(m);

try {
  if (!out) throw new Error('usage: main.ts <supergraph-out-file>');
  const responseCache = process.env['BENCH_SUBGRAPH_CACHE'] !== '0';
  const urls: Record<string, string> = {};
  for (const name of SUBGRAPH_NAMES) {
    urls[name] = (await startSubgraphServer(buildSchema(name), { responseCache })).url;
  }
  writeSupergraph(
    SUBGRAPH_NAMES.map((name) => ({ name, url: urls[name] ?? '', sdl: subgraphSdl(name) })),
    out,
  );
  send({ type: 'ready', supergraphPath: out, urls });
} catch (err) {
  send({ type: 'failed', reason: (err as Error).stack ?? String(err) });
  process.exit(1);
}
