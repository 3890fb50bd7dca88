// Stage 7 (respond) of a REST endpoint. All or nothing: a result without errors answers 200 with
// its `data` (or the part at `response_path`; a null there is 404), a strong ETag (304 when
// `If-None-Match` names it) and the operation's Cache-Control. A result with any error answers
// no data: the GraphQL errors (masked as on the GraphQL path) with the status the most actionable
// of them maps to (README "REST endpoints backed by operations"). Refusals of earlier stages keep
// their own status: REST clients read the status, so no 200-with-errors here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import { ERROR_CODES, GatewayError, internalError, notReady, type ErrorCode } from '../core/errors.ts';
import { appendVary, setHeaders } from '../core/vary.ts';
import { answerCacheControl } from '../core/cache-policy.ts';
import { strongEtag, type CompiledEndpoint, type StaticDocument } from './endpoints.ts';
import { checkRequest, REST_MEDIA_TYPE } from './stage.ts';

const NO_STORE = 'no-store';

/** An executed operation's answer. */
export function writeRestAnswer(
  res: ServerResponse,
  ifNoneMatch: string | undefined,
  endpoint: CompiledEndpoint,
  data: Record<string, unknown> | null | undefined,
  errors: readonly GraphQLFormattedError[] | undefined,
  gatewayHeaders: Record<string, string>,
  requestId: string,
  caching: { credentialed: boolean; varyOn: string } = { credentialed: false, varyOn: '' },
): void {
  if (errors !== undefined && errors.length > 0) {
    writeErrors(res, restStatus(errors), errors, gatewayHeaders);
    return;
  }
  let value: unknown = data;
  for (const key of endpoint.responsePath ?? []) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[key];
  if (value === null || value === undefined) {
    const notFound = new GatewayError('NOT_FOUND', `Nothing at ${endpoint.responsePath?.join('.') ?? 'data'} for these parameters`);
    writeErrors(res, 404, notFound.toFormattedErrors(requestId), gatewayHeaders);
    return;
  }
  const body = JSON.stringify(value);
  // Never `public` with a credential; a cacheable answer varies on the headers that chose its profile.
  const cacheControl = answerCacheControl(endpoint.cacheControl, caching.credentialed);
  if (cacheControl !== NO_STORE && caching.varyOn !== '') appendVary(res, caching.varyOn);
  writeCacheable(res, ifNoneMatch, { body, etag: strongEtag(body) }, cacheControl, gatewayHeaders);
}

/** A GET of a document served as it is (the OpenAPI document): with its ETag; 503 before a supergraph is loaded. */
export function serveStaticJson(req: IncomingMessage, res: ServerResponse, document: StaticDocument | undefined, requestId: string): void {
  try {
    checkRequest(req);
    if (document === undefined) throw notReady();
    // Revalidated on every use: it changes with the supergraph.
    writeCacheable(res, req.headers['if-none-match'], document, 'no-cache', {});
  } catch (error) {
    writeRestRefusal(res, error instanceof GatewayError ? error : internalError(), {}, requestId);
  }
}

/** A request a stage refused: its error, its status and headers (never 200). */
export function writeRestRefusal(res: ServerResponse, error: GatewayError, gatewayHeaders: Record<string, string>, requestId: string): void {
  writeErrors(res, error.status === 200 ? 400 : error.status, error.toFormattedErrors(requestId), { ...error.headers, ...gatewayHeaders });
}

/**
 * The status of a result with errors: the error a client can act on first (401, 403, another 4xx),
 * then 500 (a gateway bug), 504 (a subgraph timed out) and 502 (any other subgraph failure).
 */
export function restStatus(errors: readonly GraphQLFormattedError[]): number {
  let best = 502;
  for (const error of errors) {
    const status = statusOf(error.extensions?.['code']);
    if (rank(status) < rank(best)) best = status;
  }
  return best;
}

function statusOf(code: unknown): number {
  if (code === 'FORBIDDEN') return 403;
  if (code === 'SUBGRAPH_TIMEOUT') return 504;
  const spec = typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode] : undefined;
  // Codes that ride beside data on the GraphQL path (subgraph failures), and a subgraph's own codes: 502.
  return spec === undefined || spec.status < 400 ? 502 : spec.status;
}

function rank(status: number): number {
  if (status === 401) return 0;
  if (status === 403) return 1;
  if (status < 500) return 2;
  if (status === 500) return 3;
  if (status === 504) return 4;
  return 5;
}

function writeCacheable(res: ServerResponse, ifNoneMatch: string | undefined, document: StaticDocument, cacheControl: string, gatewayHeaders: Record<string, string>): void {
  res.setHeader('etag', document.etag);
  res.setHeader('cache-control', cacheControl);
  setHeaders(res, gatewayHeaders); // `vary` merged with CORS's `origin`
  if (matches(ifNoneMatch, document.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('content-type', REST_MEDIA_TYPE);
  res.end(document.body);
}

function writeErrors(res: ServerResponse, status: number, errors: readonly GraphQLFormattedError[], headers: Record<string, string>): void {
  res.statusCode = status;
  res.setHeader('content-type', REST_MEDIA_TYPE);
  res.setHeader('cache-control', NO_STORE);
  setHeaders(res, headers);
  res.end(JSON.stringify({ errors }));
}

/** `If-None-Match` names `etag` (weak comparison, as RFC 9110 says for this header), or is `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  for (const candidate of ifNoneMatch.split(',')) {
    const tag = candidate.trim();
    if (tag === '*' || tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
}
