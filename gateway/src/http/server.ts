import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleGraphQLRequest, type PipelineDeps } from '../pipeline.ts';

/** The HTTP listener: routes /graphql to the stage list, and answers health, readiness and 404s itself. */
export function createHttpServer(deps: PipelineDeps): Server {
  const { graphql_path, health_path, ready_path } = deps.config.server;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = pathOf(req.url);
    if (path === graphql_path) {
      void handleGraphQLRequest(req, res, deps);
    } else if (path === health_path) {
      sendJson(res, 200, { status: 'pass' });
    } else if (path === ready_path) {
      // The quota store's state rides along (degraded: Redis failing, `on_store_failure` in force).
      if (deps.apollo) sendJson(res, 200, deps.quotas ? { status: 'ready', quotas: deps.quotas.status() } : { status: 'ready' });
      else sendJson(res, 503, { status: 'loading' });
    } else {
      sendJson(res, 404, { errors: [{ message: `No route for ${path}`, extensions: { code: 'NOT_FOUND' } }] });
    }
  });
  // Slow-loris bounds: a client gets this long to send its headers and its whole request.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 65_000;
  return server;
}

export function listen(server: Server, listenAddress: string): Promise<AddressInfo> {
  const separator = listenAddress.lastIndexOf(':');
  const host = listenAddress.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(listenAddress.slice(separator + 1));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
