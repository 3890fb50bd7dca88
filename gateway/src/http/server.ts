import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { GraphQLFormattedError } from 'graphql';
import { ConfigError } from '../core/config-errors.ts';
import { GatewayError, type ErrorCode } from '../core/errors.ts';
import type { ServerConfig } from './config.ts';

// Slow-loris bounds (`server.headers_timeout_ms`, `server.request_timeout_ms`): Node checks them
// every `connectionsCheckingInterval` (30 s by default, which cut a slow client at 21.5 s / 51.5 s);
// checking every second keeps each bound within about a second.
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
/**
 * Most header lines a request may have (as Apache's LimitRequestFields). Node reads at most
 * `maxHeadersCount` lines and silently drops the rest, so it reads one more than this and a request
 * that has more is refused with 431 instead of being served with headers missing.
 */
export const MAX_HEADER_LINES = 100;
/** Access-logged for a client that went away before its answer was written (nginx's 499). */
export const CLIENT_CLOSED_REQUEST = 499;

/** What the listener itself answered on a connection Node's parser gave up on (see `clientError`). */
export interface ListenerAnswer {
  status: number;
  code: ErrorCode;
  /** For the log line: "bad request body", "request timeout", … */
  message: string;
}

const listenerAnswers = new WeakMap<object, ListenerAnswer>();

/**
 * The listener's own answer on this request's connection (a malformed chunked body, a request
 * timeout), or undefined: the pipeline logs that status instead of an error of its own.
 */
export function listenerAnswered(socket: object | null | undefined): ListenerAnswer | undefined {
  return socket ? listenerAnswers.get(socket) : undefined;
}

/** The client closed its connection before the answer was written (read error, aborted body). */
export function clientWentAway(req: IncomingMessage, res: ServerResponse): boolean {
  return req.socket.destroyed || res.destroyed || (req.destroyed && !req.complete);
}

export interface HttpServerOptions {
  /** Logs the connections the listener answers itself (malformed requests, timeouts); info level. */
  logger?: Logger;
  /** Where `routes.metrics` answers (e.g. /metrics); unused without it. */
  metricsPath?: string;
}

export interface Routes {
  /** The GraphQL endpoint: the stage list. */
  graphql(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** What answers `path` when it is a REST endpoint or their OpenAPI document (`rest_endpoints`); undefined: not one. */
  rest?(path: string): ((req: IncomingMessage, res: ServerResponse) => unknown) | undefined;
  /** `/ready`: ready (200) or not yet (503), with a body saying why. */
  readiness(): { ready: boolean; body: Record<string, unknown> };
  /** The request-id header and this request's id, for the answers the listener gives itself. */
  requestId(req: IncomingMessage): [header: string, id: string];
  /** Shutting down: every answer says `connection: close`, so keep-alive clients move elsewhere. */
  draining?(): boolean;
  /** Metrics in a scraper's format (text and its content type), served at `metricsPath`; absent: 404. */
  metrics?(): Promise<{ contentType: string; text: string }>;
  /** The explorer (`explorer.enabled`); absent: a browser's GET of the GraphQL path is a GraphQL request like any. */
  explorer?: ExplorerRoutes;
}

/** The explorer's page and files (explorer/explorer.ts), as the listener sees them. */
export interface ExplorerRoutes {
  /** Its files' path prefix (e.g. /-/explorer/). */
  readonly prefix: string;
  /** Asked only for a GET of the GraphQL path: whether a browser navigates there (`accept` names HTML, no GraphQL request in the URL). */
  wantsPage(req: IncomingMessage): boolean;
  page(req: IncomingMessage, res: ServerResponse): void;
  /** A path under `prefix`; false when it names nothing (the listener answers 404). */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean;
}

/** The HTTP listener: routes the GraphQL path and REST endpoints to the pipeline, answers health, readiness and 404s itself. */
export function createHttpServer(config: ServerConfig, routes: Routes, options: HttpServerOptions = {}): Server {
  const { graphql_path, health_path, ready_path } = config;
  const server = createServer({ connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS }, (req: IncomingMessage, res: ServerResponse) => {
    if (req.rawHeaders.length / 2 > MAX_HEADER_LINES) {
      // Node kept only the first lines: serving the request would act on a partial view of it.
      const [header, id] = routes.requestId(req);
      res.setHeader(header, id);
      res.setHeader('connection', 'close');
      options.logger?.info({ requestId: id, status: 431, code: 'REQUEST_HEADER_FIELDS_TOO_LARGE' }, 'too many header lines');
      sendJson(res, 431, errorBody('REQUEST_HEADER_FIELDS_TOO_LARGE', `Too many header lines (at most ${MAX_HEADER_LINES})`, id));
      return;
    }
    if (routes.draining?.()) res.setHeader('connection', 'close');
    const path = pathOf(req.url);
    if (path === graphql_path) {
      // A POST never looks further than its method: the explorer costs GraphQL requests nothing.
      if (req.method === 'GET' && routes.explorer?.wantsPage(req)) {
        setRequestId(res, routes, req);
        routes.explorer.page(req, res);
        return;
      }
      void routes.graphql(req, res);
      return;
    }
    const rest = routes.rest?.(path);
    if (rest !== undefined) {
      void rest(req, res);
      return;
    }
    const [header, id] = routes.requestId(req);
    res.setHeader(header, id);
    if (path === health_path) {
      sendJson(res, 200, { status: 'pass' });
    } else if (path === ready_path) {
      const { ready, body } = routes.readiness();
      sendJson(res, ready ? 200 : 503, body);
    } else if (routes.metrics && path === options.metricsPath) {
      serveMetrics(req, res, routes.metrics, id);
    } else if (routes.explorer && path.startsWith(routes.explorer.prefix) && routes.explorer.serve(req, res, path)) {
      // served: a file of the explorer (or the demo stack's token)
    } else {
      // Logged, so that the request id of the error leads to a line (as the GraphQL path's do).
      options.logger?.info({ requestId: id, method: req.method, path: path.slice(0, 100), status: 404 }, 'no route');
      sendJson(res, 404, errorBody('NOT_FOUND', `No route for ${path.slice(0, 100)}`, id));
    }
  });
  const messages = boundRequestTime(server, config);
  server.keepAliveTimeout = 65_000;
  server.maxHeadersCount = MAX_HEADER_LINES + 1;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket, routes, messages, options.logger));
  return server;
}

/**
 * Node's parser gave up on a connection (headers too large, a timeout, malformed HTTP or chunked
 * body): answer in the gateway's format (a GraphQL error body and a request id) where nothing was
 * written yet, instead of Node's bare 400/408/431, then close. A connection reset by the client
 * gets nothing (nobody is listening).
 */
function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Duplex,
  routes: Routes,
  messages: Partial<Record<ErrorCode, string>>,
  logger: Logger | undefined,
): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
  let answer = CLIENT_ERRORS[error.code ?? ''] ?? DEFAULT_CLIENT_ERROR;
  // With a request in flight its headers were fine: what broke was the body.
  if (inFlight !== undefined && answer.status === 400) answer = { ...answer, message: 'bad request body' };
  // ECONNRESET, or the connection ended mid-request (HPE_INVALID_EOF_STATE): the client went away.
  if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE' || !socket.writable || inFlight?.headersSent) {
    if (inFlight === undefined) logger?.info({ reason: error.code }, 'client aborted');
    socket.destroy();
    return;
  }
  const [header, requestId] = requestIdOfAnswer(inFlight, routes);
  listenerAnswers.set(socket, answer);
  // A request the pipeline is handling logs this itself, with its access log line.
  if (inFlight === undefined) logger?.info({ requestId, status: answer.status, code: answer.code, reason: error.code }, answer.message);
  const body = JSON.stringify(errorBody(answer.code, messages[answer.code] ?? answer.message, requestId));
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n` +
      `content-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `cache-control: no-store\r\n` +
      `${header}: ${requestId}\r\n` +
      `connection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

const UNREADABLE_REQUEST = { headers: {} } as IncomingMessage;

/**
 * The request id the listener's own answer carries: with a request in flight (its body broke or
 * timed out) the id its handler logs it with — the pipeline puts that on the response as soon as
 * it starts (a client-sent `x-request-id` it accepted, or the one it generated), else the one the
 * request's headers give; without one Node could not read the request, so its id (if any) is
 * unknown: a fresh one.
 */
function requestIdOfAnswer(inFlight: ServerResponse | undefined, routes: Routes): [header: string, id: string] {
  if (inFlight === undefined) return routes.requestId(UNREADABLE_REQUEST);
  const [header, id] = routes.requestId(inFlight.req);
  const assigned = inFlight.getHeader(header);
  return [header, typeof assigned === 'string' ? assigned : id];
}

const DEFAULT_CLIENT_ERROR: ListenerAnswer = { status: 400, code: 'BAD_REQUEST', message: 'bad request' };
const CLIENT_ERRORS: Record<string, ListenerAnswer> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'REQUEST_HEADER_FIELDS_TOO_LARGE', message: 'request headers too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'REQUEST_TIMEOUT', message: 'request timeout' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'chunk extensions too large' },
  HPE_INVALID_CHUNK_SIZE: { status: 400, code: 'BAD_REQUEST', message: 'bad request body' },
  HPE_STRICT: { status: 400, code: 'BAD_REQUEST', message: 'bad request body' },
};

type RequestTimeBounds = Pick<ServerConfig, 'headers_timeout_ms' | 'request_timeout_ms'>;

/** Sets the slow-loris bounds on `server`; returns the messages of its own answers, which name them. */
function boundRequestTime(server: Server, bounds: RequestTimeBounds): Partial<Record<ErrorCode, string>> {
  server.headersTimeout = bounds.headers_timeout_ms;
  server.requestTimeout = bounds.request_timeout_ms;
  return {
    REQUEST_HEADER_FIELDS_TOO_LARGE: 'Request headers are larger than the server accepts',
    REQUEST_TIMEOUT: `The request was not received in time (headers within ${bounds.headers_timeout_ms / 1000} s, the whole request within ${bounds.request_timeout_ms / 1000} s)`,
    PAYLOAD_TOO_LARGE: 'Chunk extensions are larger than the server accepts',
    BAD_REQUEST: 'Malformed HTTP request',
  };
}

/** The GraphQL error body of an answer the listener gives itself: as stage 7 renders a GatewayError. */
function errorBody(code: ErrorCode, message: string, requestId?: string): { errors: readonly GraphQLFormattedError[] } {
  return { errors: new GatewayError(code, message).toFormattedErrors(requestId) };
}

/** `key` names the config key of the address in the error a failed listen becomes. */
export function listen(server: Server, listenAddress: string, key = 'server.listen'): Promise<AddressInfo> {
  const separator = listenAddress.lastIndexOf(':');
  const host = listenAddress.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(listenAddress.slice(separator + 1));
  return new Promise((resolve, reject) => {
    // A port in use or not ours to take is an operator's problem: name the key, no stack.
    const refuse = (error: NodeJS.ErrnoException) =>
      reject(new ConfigError(`${key}: cannot listen on ${listenAddress}: ${LISTEN_ERRORS[error.code ?? ''] ?? error.message} (${error.code ?? 'error'})`));
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

/**
 * Stops accepting connections, closes idle keep-alive ones, and gives requests in flight `graceMs`
 * (default 5 s) to finish before their connections are cut.
 */
export function closeServer(server: Server, graceMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    const forceClose = setTimeout(() => server.closeAllConnections(), graceMs);
    forceClose.unref();
    server.close(() => {
      clearTimeout(forceClose);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function setRequestId(res: ServerResponse, routes: Routes, req: IncomingMessage): void {
  const [header, id] = routes.requestId(req);
  res.setHeader(header, id);
}

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/**
 * The metrics listener of its own (`telemetry.metrics.listen`): the metrics path, anything else
 * 404. Kept off the main port so that clients of the API cannot read the operators' figures.
 */
export function createMetricsServer(metricsPath: string, metrics: NonNullable<Routes['metrics']>, bounds: RequestTimeBounds): Server {
  const server = createServer((req, res) => {
    // Its answers carry a request id too, as the main listener's do.
    const id = randomUUID();
    res.setHeader('x-request-id', id);
    if (pathOf(req.url) === metricsPath) serveMetrics(req, res, metrics, id);
    else sendJson(res, 404, errorBody('NOT_FOUND', `No route for ${pathOf(req.url).slice(0, 100)}`, id));
  });
  boundRequestTime(server, bounds);
  return server;
}

/** GET (or HEAD) the metrics; any other method 405. */
function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: NonNullable<Routes['metrics']>, requestId: string): void {
  if (req.method === 'GET' || req.method === 'HEAD') return sendMetrics(res, metrics);
  res.setHeader('allow', 'GET, HEAD');
  sendJson(res, 405, errorBody('METHOD_NOT_ALLOWED', 'Metrics are read with GET', requestId));
}

function sendMetrics(res: ServerResponse, metrics: NonNullable<Routes['metrics']>): void {
  metrics().then(
    ({ contentType, text }) => {
      res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
    () => sendJson(res, 500, errorBody('INTERNAL_SERVER_ERROR', 'Metrics could not be collected')),
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  // Errors, and health answers that change any moment: never kept by a cache.
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
