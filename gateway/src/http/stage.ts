// Stage 1 (http): every refusal that needs nothing but the HTTP request — method, media types,
// body size, JSON, the GraphQL-over-HTTP request fields, CSRF — before identity, quotas or any
// GraphQL work. Messages follow Apollo Server's, so clients see what they saw before.
import type { IncomingMessage } from 'node:http';
import { badRequest, GatewayError, methodNotAllowed, payloadTooLarge, unsupportedMediaType } from '../core/errors.ts';
import type { LimitsConfig } from './config.ts';
import { preventCsrf } from './csrf.ts';
import { responseMediaType } from './media-type.ts';

/** Stage 1's output: a well-formed GraphQL-over-HTTP request, nothing parsed as GraphQL yet. */
export interface GraphQLHttpRequest {
  method: 'GET' | 'POST';
  query: string | undefined;
  operationName: string | undefined;
  variables: Record<string, unknown> | undefined;
  extensions: Record<string, unknown> | undefined;
  /** The media type the response will have (from `accept`). */
  responseType: string;
}

export interface HttpStageOptions {
  limits: LimitsConfig;
  /** `csrf.unsafe_disabled` negated. */
  csrfPrevention: boolean;
}

const JSON_BODY = /^application\/(json|graphql-response\+json)\s*(;|$)/i;

export class HttpStage {
  constructor(private readonly options: HttpStageOptions) {}

  async run(req: IncomingMessage): Promise<GraphQLHttpRequest> {
    const method = req.method;
    if (method !== 'GET' && method !== 'POST') throw methodNotAllowed();
    const contentType = req.headers['content-type'];
    if (method === 'POST' && !JSON_BODY.test(contentType ?? '')) throw unsupportedMediaType();
    if (method === 'GET' && contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType)) {
      throw unsupportedMediaType('GET requests may not have a content-type header other than application/json');
    }
    if (this.options.csrfPrevention) preventCsrf(req.headers);
    const responseType = responseMediaType(req.headers.accept);
    if (responseType === null) {
      throw new GatewayError(
        'NOT_ACCEPTABLE',
        "An 'accept' header was provided for this request which does not accept application/json or application/graphql-response+json",
      );
    }
    const fields = method === 'GET' ? fromSearch(req.url ?? '') : fromBody(await readJson(req, this.options.limits.http_max_request_bytes));
    return { method, ...fields, responseType };
  }
}

type RequestFields = Pick<GraphQLHttpRequest, 'query' | 'operationName' | 'variables' | 'extensions'>;

function fromSearch(url: string): RequestFields {
  const queryStart = url.indexOf('?');
  const params = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  return {
    query: once(params, 'query'),
    operationName: once(params, 'operationName'),
    variables: jsonObjectParam(params, 'variables'),
    extensions: jsonObjectParam(params, 'extensions'),
  };
}

function once(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw badRequest(`The '${name}' search parameter may only be specified once.`);
  return values[0];
}

function jsonObjectParam(params: URLSearchParams, name: string): Record<string, unknown> | undefined {
  const text = once(params, name);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(`The ${name} search parameter contains invalid JSON.`);
  }
  if (!isObject(value)) throw badRequest(`The ${name} search parameter should contain a JSON-encoded object.`);
  return value;
}

function fromBody(body: unknown): RequestFields {
  if (Array.isArray(body)) throw badRequest('Operation batching disabled.');
  if (!isObject(body) || Object.keys(body).length === 0) {
    throw badRequest('POST body missing, invalid Content-Type, or JSON object has no keys.');
  }
  const { query, operationName, variables, extensions } = body;
  if (query !== undefined && query !== null && typeof query !== 'string') throw badRequest('GraphQL queries must be strings.');
  if (typeof variables === 'string') {
    throw badRequest('`variables` in a POST body should be provided as an object, not a recursively JSON-encoded string.');
  }
  if (typeof extensions === 'string') {
    throw badRequest('`extensions` in a POST body should be provided as an object, not a recursively JSON-encoded string.');
  }
  if (variables !== undefined && variables !== null && !isObject(variables)) throw badRequest('`variables` in a POST body must be an object if provided.');
  if (extensions !== undefined && extensions !== null && !isObject(extensions)) throw badRequest('`extensions` in a POST body must be an object if provided.');
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
    throw badRequest('`operationName` in a POST body must be a string if provided.');
  }
  return {
    query: typeof query === 'string' ? query : undefined,
    operationName: typeof operationName === 'string' ? operationName : undefined,
    variables: isObject(variables) ? variables : undefined,
    extensions: isObject(extensions) ? extensions : undefined,
  };
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const text = await readBody(req, limit);
  try {
    return JSON.parse(text);
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
