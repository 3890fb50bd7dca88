// Stage 7 (respond): the status, headers and body of every GraphQL response, executed or refused.
//
// Status, as GraphQL over HTTP says: for `application/graphql-response+json` a request error
// (parse, validation, variable coercion) is a 4xx; for `application/json` — what a client without
// an `accept` header gets, and what older clients understand — the spec says SHOULD answer a
// well-formed GraphQL-over-HTTP request with 200 whatever its GraphQL errors, so those three
// answer 200 there. Errors of the HTTP request itself (bad JSON, 413, …) and the gateway's own
// refusals (limits, quotas, cost) keep their status under both media types.
import type { ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayError } from '../core/errors.ts';
import { appendVary, setHeader, setHeaders } from '../core/vary.ts';
import { APPLICATION_JSON, responseMediaType } from './media-type.ts';

/** Request errors that `application/json` answers with 200 (see above). */
const OK_FOR_APPLICATION_JSON: ReadonlySet<unknown> = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * The status of an executed operation's response: the execution's own (e.g. 400 for variables
 * that do not coerce), except 200 for `application/json` when every error is a request error.
 */
export function graphqlStatus(status: number, errors: readonly GraphQLFormattedError[] | undefined, mediaType: string): number {
  if (status < 400 || status >= 500 || mediaType !== APPLICATION_JSON || errors === undefined || errors.length === 0) return status;
  for (const error of errors) if (!OK_FOR_APPLICATION_JSON.has(error.extensions?.['code'])) return status;
  return 200;
}

/** An executed operation's answer, ready to write. */
export interface GraphQLHttpResponse {
  status: number;
  /** Headers the execution set (e.g. `cache-control` of an APQ miss). */
  headers: Iterable<[string, string]>;
  /** The serialized response body. */
  body: string;
}

export function writeGraphQLResponse(
  res: ServerResponse,
  response: GraphQLHttpResponse,
  mediaType: string,
  gatewayHeaders: Record<string, string>,
): void {
  res.statusCode = response.status;
  res.setHeader('content-type', mediaType);
  // `vary` is merged, not replaced: CORS set `origin` on it before this (core/vary.ts).
  for (const [name, value] of response.headers) setHeader(res, name, value);
  setHeaders(res, gatewayHeaders);
  res.end(response.body);
}

/**
 * A request a stage ended: its errors as a GraphQL body, the error's status and headers, and
 * `cache-control: no-store` (a refusal is never to be kept by any cache). A GET's answer, whose
 * media type follows `accept`, also says `vary: accept`.
 */
export function writeGatewayError(
  res: ServerResponse,
  error: GatewayError,
  accept: string | undefined,
  gatewayHeaders: Record<string, string>,
  requestId?: string,
  method?: string,
): void {
  const mediaType = responseMediaType(accept) ?? APPLICATION_JSON;
  res.statusCode = mediaType === APPLICATION_JSON && OK_FOR_APPLICATION_JSON.has(error.code) ? 200 : error.status;
  res.setHeader('content-type', mediaType);
  res.setHeader('cache-control', NO_STORE);
  if (method === 'GET') appendVary(res, 'accept');
  setHeaders(res, { ...error.headers, ...gatewayHeaders });
  // A body we did not read (too large) must not be left half-sent on a keep-alive connection.
  if (error.status === 413) res.setHeader('connection', 'close');
  res.end(JSON.stringify({ errors: error.toFormattedErrors(requestId) }));
}

const NO_STORE = 'no-store';
