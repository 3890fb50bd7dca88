// Stage 7 (respond): the status, headers and body of every GraphQL response, executed or refused.
import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../core/errors.ts';
import { APPLICATION_JSON, responseMediaType } from './media-type.ts';

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
  for (const [name, value] of response.headers) res.setHeader(name, value);
  for (const name in gatewayHeaders) res.setHeader(name, gatewayHeaders[name] as string);
  res.end(response.body);
}

/** A request a stage ended: its errors as a GraphQL body, the error's status and headers. */
export function writeGatewayError(
  res: ServerResponse,
  error: GatewayError,
  accept: string | undefined,
  gatewayHeaders: Record<string, string>,
): void {
  res.statusCode = error.status;
  res.setHeader('content-type', responseMediaType(accept) ?? APPLICATION_JSON);
  for (const [name, value] of Object.entries({ ...error.headers, ...gatewayHeaders })) res.setHeader(name, value);
  // A body we did not read (too large) must not be left half-sent on a keep-alive connection.
  if (error.status === 413) res.setHeader('connection', 'close');
  res.end(JSON.stringify({ errors: error.toFormattedErrors() }));
}
