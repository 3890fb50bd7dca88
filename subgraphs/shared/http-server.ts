// The one HTTP server every demo subgraph uses: POST JSON GraphQL on one path, cached
// parse+validate, a fresh context per request (so DataLoader batching is per request), JSON out.
// Status codes follow GraphQL-over-HTTP for application/json: 200 for any well-formed request
// (including GraphQL errors), 4xx only when the HTTP request itself is unusable.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execute, GraphQLError, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { createDocumentCache } from './document-cache.ts';
import { closeServer, listen, urlHost } from './net.ts';

export interface GraphQLServerOptions<TContext> {
  schema: GraphQLSchema;
  /** Builds the per-request context (request headers, fresh DataLoaders). */
  createContext(req: IncomingMessage): TContext;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Default /graphql. */
  path?: string;
  /** Larger request bodies get 413. Default 1 MB. */
  maxBodyBytes?: number;
}

export interface RunningGraphQLServer {
  /** http://HOST:PORT/graphql */
  url: string;
  stop(): Promise<void>;
}

interface GraphQLRequestBody {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function startGraphQLServer<TContext>(opts: GraphQLServerOptions<TContext>): Promise<RunningGraphQLServer> {
  const host = opts.host ?? '127.0.0.1';
  const path = opts.path ?? '/graphql';
  const maxBodyBytes = opts.maxBodyBytes ?? 1024 * 1024;
  const documents = createDocumentCache(opts.schema);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = (req.url ?? '/').split('?', 1)[0];
    if (pathname !== path) throw new HttpError(404, `Not found; GraphQL is served at ${path}`);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      throw new HttpError(405, 'Only POST is supported');
    }
    const body = parseBody(await readBody(req, maxBodyBytes));
    const cached = documents.get(body.query);
    if (cached.errors) return sendJson(res, 200, { errors: cached.errors });
    const result: ExecutionResult = await execute({
      schema: opts.schema,
      document: cached.document,
      variableValues: body.variables ?? undefined,
      operationName: body.operationName ?? undefined,
      contextValue: opts.createContext(req),
    });
    sendJson(res, 200, result);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof HttpError ? err.message : 'Internal server error';
      if (!(err instanceof HttpError)) console.error('subgraph request failed', err);
      if (res.headersSent) return void res.destroy();
      // A refused body may still be streaming in; close rather than drain it.
      if (status === 413) res.setHeader('connection', 'close');
      sendJson(res, status, { errors: [new GraphQLError(message)] });
    });
  });
  // Outlive the gateway's pooled sockets' idle time, so it does not reuse a socket we just closed.
  server.keepAliveTimeout = 65_000;
  await listen(server, opts.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  return { url: `http://${urlHost(host)}:${port}${path}`, stop: () => closeServer(server) };
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) return Promise.reject(new HttpError(413, `Request body larger than ${maxBytes} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.pause();
        reject(new HttpError(413, `Request body larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    // A client that hangs up mid-body would otherwise leave this promise pending forever.
    req.on('close', () => {
      if (!req.complete) reject(new HttpError(400, 'Request body incomplete'));
    });
  });
}

function parseBody(text: string): GraphQLRequestBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Request body must be JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'Request body must be a JSON object');
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== 'string' || query === '') throw new HttpError(400, '"query" must be a non-empty string');
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) throw new HttpError(400, '"variables" must be an object');
  if (operationName != null && typeof operationName !== 'string') throw new HttpError(400, '"operationName" must be a string');
  return { query, variables: variables as Record<string, unknown> | null | undefined, operationName: operationName as string | null | undefined };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}
