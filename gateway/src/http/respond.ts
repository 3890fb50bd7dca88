import type { ServerResponse } from 'node:http';
import type { HTTPGraphQLResponse } from '@apollo/server';
import type { GatewayError } from '../core/errors.ts';

const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
const JSON_MEDIA = 'application/json; charset=utf-8';

/** Stage 7 (respond): writes an executed GraphQL response, with the gateway's own headers added. */
export async function writeGraphQLResponse(
  res: ServerResponse,
  response: HTTPGraphQLResponse,
  extraHeaders: Record<string, string>,
): Promise<void> {
  res.statusCode = response.status ?? 200;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  for (const [name, value] of Object.entries(extraHeaders)) res.setHeader(name, value);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** Stage 7 for a request a stage ended: a GraphQL error body with the error's status and code. */
export function writeGatewayError(
  res: ServerResponse,
  error: GatewayError,
  accept: string | undefined,
  extraHeaders: Record<string, string>,
): void {
  const body = JSON.stringify({
    errors: [{ message: error.message, extensions: { code: error.code, ...error.extensions } }],
  });
  res.statusCode = error.status;
  res.setHeader('content-type', prefersGraphQLResponseJson(accept) ? GRAPHQL_RESPONSE_JSON : JSON_MEDIA);
  for (const [name, value] of Object.entries({ ...error.headers, ...extraHeaders })) res.setHeader(name, value);
  // A body we did not read (too large) must not be left half-sent on a keep-alive connection.
  if (error.status === 413) res.setHeader('connection', 'close');
  res.end(body);
}

function prefersGraphQLResponseJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.includes('application/graphql-response+json') && !accept.startsWith('application/json');
}
