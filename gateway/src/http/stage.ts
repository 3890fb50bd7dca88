// Stage 1 (http): every refusal that needs nothing but the HTTP request — method, media types,
// body size, JSON, the GraphQL-over-HTTP request fields, CSRF — before identity, quotas or any
// GraphQL work. Messages follow Apollo Server's, so clients see what they saw before. Hostile
// input meets bounds here too: `operationName` and variable names at most 256 characters,
// `variables` and `extensions` at most 64 levels deep, and a body over the limit is read to its
// end (within a bound) before the 413, so a client still sending reads the answer.
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
  /** A trusted document's id (GraphQL-over-HTTP's persisted documents draft), instead of `query`. */
  documentId: string | undefined;
  /** The media type the response will have (from `accept`). */
  responseType: string;
}

export interface HttpStageOptions {
  limits: LimitsConfig;
  /** `csrf.unsafe_disabled` negated. */
  csrfPrevention: boolean;
}

const JSON_BODY = /^application\/(json|graphql-response\+json)\s*(;|$)/i;

/** Longest `operationName` and `variables` key: a name, not a payload (and never echoed back big). */
export const MAX_NAME_LENGTH = 256;
/**
 * Deepest nesting of `variables` and `extensions` (the object itself is 1). Input objects of real
 * schemas nest a few levels (a filter tree a dozen); 100,000 nested arrays parse fine but would
 * overflow the stack of whatever walks them later (variable coercion).
 */
export const MAX_JSON_DEPTH = 64;
/** A body over the limit is still read, and dropped, up to this many bytes in all … */
const DRAIN_MIN_BYTES = 16 * 1024 * 1024;
/** … (or 4× the limit, if that is more) and for at most this long; then the connection is closed. */
const DRAIN_MAX_MS = 3000;

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
    checkBounds(fields);
    return { method, ...fields, responseType };
  }
}

type RequestFields = Pick<GraphQLHttpRequest, 'query' | 'operationName' | 'variables' | 'extensions' | 'documentId'>;

function fromSearch(url: string): RequestFields {
  const queryStart = url.indexOf('?');
  const params = new URLSearchParams(queryStart === -1 ? '' : url.slice(queryStart + 1));
  return {
    query: once(params, 'query'),
    operationName: once(params, 'operationName'),
    variables: jsonObjectParam(params, 'variables'),
    extensions: jsonObjectParam(params, 'extensions'),
    documentId: once(params, 'documentId'),
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
  const { query, operationName, variables, extensions, documentId } = body;
  if (query !== undefined && query !== null && typeof query !== 'string') throw badRequest('GraphQL queries must be strings.');
  if (documentId !== undefined && documentId !== null && typeof documentId !== 'string') throw badRequest('`documentId` in a POST body must be a string if provided.');
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
    documentId: typeof documentId === 'string' ? documentId : undefined,
  };
}

/** Names and nesting a real client never exceeds (see MAX_NAME_LENGTH, MAX_JSON_DEPTH). */
function checkBounds(fields: RequestFields): void {
  if (fields.documentId !== undefined && fields.documentId.length > MAX_NAME_LENGTH) {
    throw badRequest(`\`documentId\` may be at most ${MAX_NAME_LENGTH} characters long.`);
  }
  if (fields.operationName !== undefined && fields.operationName.length > MAX_NAME_LENGTH) {
    throw badRequest(`\`operationName\` may be at most ${MAX_NAME_LENGTH} characters long.`);
  }
  const { variables, extensions } = fields;
  if (variables !== undefined) {
    for (const name in variables) {
      if (name.length > MAX_NAME_LENGTH) throw badRequest(`Variable names may be at most ${MAX_NAME_LENGTH} characters long.`);
    }
    if (deeperThan(variables, MAX_JSON_DEPTH)) throw badRequest(`\`variables\` may nest at most ${MAX_JSON_DEPTH} levels deep.`);
  }
  if (extensions !== undefined && deeperThan(extensions, MAX_JSON_DEPTH)) {
    throw badRequest(`\`extensions\` may nest at most ${MAX_JSON_DEPTH} levels deep.`);
  }
}

/** Whether parsed JSON nests objects and arrays deeper than `max` (the root is 1); iterative, any depth. */
function deeperThan(root: object, max: number): boolean {
  const values: object[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > max) return true;
    if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in value) {
        const item = value[key];
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const text = await readBody(req, limit);
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
}

/**
 * The body as text, at most `limit` bytes. Over it: 413, but only once the rest of the body has
 * been read and dropped (bounded in bytes and time): closing a connection with unread data resets
 * it, and a client still sending (undici's fetch) then sees "fetch failed" instead of the 413.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const drainBytes = Math.max(DRAIN_MIN_BYTES, 4 * limit);
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    // Larger than we would ever drain: answer now, the connection closes under the client.
    if (declared > drainBytes) return Promise.reject(payloadTooLarge(limit));
    return drain(req, drainBytes).then(() => Promise.reject(payloadTooLarge(limit)));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      stop();
      chunks.length = 0;
      drain(req, drainBytes - size).then(() => reject(payloadTooLarge(limit)));
    };
    const onEnd = (): void => {
      stop();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    const onClose = (): void => {
      if (!req.complete) onError(new Error('the client closed the connection before sending the whole body'));
    };
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** Reads and drops the rest of a body: until its end, `bytes` more, DRAIN_MAX_MS, or an error. */
function drain(req: IncomingMessage, bytes: number): Promise<void> {
  if (req.complete) return Promise.resolve();
  return new Promise((resolve) => {
    let left = bytes;
    const onData = (chunk: Buffer): void => {
      left -= chunk.length;
      if (left < 0) done();
    };
    const done = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('error', done);
      req.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, DRAIN_MAX_MS);
    req.on('data', onData);
    req.on('end', done);
    req.on('error', done);
    req.on('close', done);
    req.resume();
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
