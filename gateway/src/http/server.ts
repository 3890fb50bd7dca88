import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../core/config-errors.ts';
import type { ServerConfig } from './config.ts';

export interface Routes {
  /** The GraphQL endpoint: the stage list. */
  graphql(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** `/ready`: ready (200) or not yet (503), with a body saying why. */
  readiness(): { ready: boolean; body: Record<string, unknown> };
  /** The request-id header and this request's id, for the answers the listener gives itself. */
  requestId(req: IncomingMessage): [header: string, id: string];
}

/** The HTTP listener: routes the GraphQL path to the pipeline, answers health, readiness and 404s itself. */
export function createHttpServer(config: ServerConfig, routes: Routes): Server {
  const { graphql_path, health_path, ready_path } = config;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = pathOf(req.url);
    if (path === graphql_path) {
      void routes.graphql(req, res);
      return;
    }
    const [header, id] = routes.requestId(req);
    res.setHeader(header, id);
    if (path === health_path) {
      sendJson(res, 200, { status: 'pass' });
    } else if (path === ready_path) {
      const { ready, body } = routes.readiness();
      sendJson(res, ready ? 200 : 503, body);
    } else {
      sendJson(res, 404, { errors: [{ message: `No route for ${path.slice(0, 100)}`, extensions: { code: 'NOT_FOUND' } }] });
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
    // A port in use or not ours to take is an operator's problem: name the key, no stack.
    const refuse = (error: NodeJS.ErrnoException) =>
      reject(new ConfigError(`server.listen: cannot listen on ${listenAddress}: ${LISTEN_ERRORS[error.code ?? ''] ?? error.message} (${error.code ?? 'error'})`));
    server.once('error', refuse);
    server.listen(port, host, () => {
      server.off('error', refuse);
      resolve(server.address() as AddressInfo);
    });
  });
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'this machine has no such address',
};

// In-flight requests get this long to finish on shutdown before their connections are cut.
const SHUTDOWN_GRACE_MS = 5_000;

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const forceClose = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    forceClose.unref();
    server.close(() => {
      clearTimeout(forceClose);
      resolve();
    });
    server.closeIdleConnections();
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
