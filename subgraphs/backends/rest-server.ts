// A tiny JSON-over-HTTP server for the demo REST backends: routes a GET, logs the call, applies
// the optional latency, replies. Only what the demo needs; no framework.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, listen, urlHost } from '../shared/net.ts';
import { beginCall, delay, type BackendService, type CallLog } from './call-log.ts';

export interface RestReply {
  /** Route name for the call log, e.g. 'GET /users'. */
  method: string;
  keys: string[];
  status: number;
  body: unknown;
}

/** Returns the reply for a GET of `url`, or null when no route matches (404). */
export type RestRouter = (url: URL) => RestReply | null;

export interface RestServerOptions {
  service: BackendService;
  router: RestRouter;
  calls: CallLog;
  host: string;
  port: number;
  latencyMs: number;
}

export interface RunningRestServer {
  url: string;
  stop(): Promise<void>;
}

export async function startRestServer(opts: RestServerOptions): Promise<RunningRestServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://backend');
    const reply: RestReply =
      req.method !== 'GET'
        ? { method: `${req.method} ${url.pathname}`, keys: [], status: 405, body: { error: 'method not allowed' } }
        : (opts.router(url) ?? { method: `GET ${url.pathname}`, keys: [], status: 404, body: { error: 'not found' } });
    const finish = beginCall(opts.calls, opts.service, reply.method, reply.keys);
    const payload = JSON.stringify(reply.body);
    void delay(opts.latencyMs).then(() => {
      finish();
      res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    });
  });
  await listen(server, opts.port, opts.host);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${urlHost(opts.host)}:${port}`,
    stop: () => closeServer(server),
  };
}

/** Splits a comma-separated query parameter ("?ids=u1,u2") into its non-empty values. */
export function listParam(url: URL, name: string): string[] {
  return (url.searchParams.get(name) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}
