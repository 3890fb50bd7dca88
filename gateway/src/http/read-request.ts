import type { IncomingMessage } from 'node:http';
import type { LimitsConfig } from './config.ts';
import { badRequest, methodNotAllowed, payloadTooLarge, unsupportedMediaType } from '../core/errors.ts';

/** Stage 1 output: a GraphQL-over-HTTP request whose body is within limits and parsed. */
export interface GraphQLHttpRequest {
  method: 'GET' | 'POST';
  /** The query string without '?' (GET carries the operation there). */
  search: string;
  /** The parsed JSON body (POST), undefined for GET. */
  body: unknown;
}

/** Stage 1 (http): method, media type, body size and JSON syntax — nothing GraphQL-specific yet. */
export async function readGraphQLRequest(req: IncomingMessage, limits: LimitsConfig): Promise<GraphQLHttpRequest> {
  const url = req.url ?? '';
  const queryStart = url.indexOf('?');
  const search = queryStart === -1 ? '' : url.slice(queryStart + 1);
  if (req.method === 'GET') return { method: 'GET', search, body: undefined };
  if (req.method !== 'POST') throw methodNotAllowed();

  const contentType = req.headers['content-type'] ?? '';
  if (!/^application\/(json|graphql-response\+json)\s*(;|$)/i.test(contentType)) throw unsupportedMediaType();

  const text = await readBody(req, limits.http_max_request_bytes);
  try {
    return { method: 'POST', search, body: JSON.parse(text) };
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw payloadTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw payloadTooLarge(limit);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
}
