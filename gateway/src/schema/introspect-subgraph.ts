// Fetches a running subgraph's SDL with the federation introspection query (`_service { sdl }`),
// as rover does for `schema.subgraph_url`. One POST, bounded by a timeout covering the whole
// exchange (connect, headers and body), so a subgraph that never answers cannot hang composition.
import { request } from 'undici';

export const SERVICE_SDL_QUERY = 'query SubgraphIntrospectQuery { _service { sdl } }';

/** Longest slice of an unexpected response body quoted in an error message. */
const BODY_EXCERPT_CHARS = 200;

export class IntrospectionError extends Error {
  override readonly name = 'IntrospectionError';
}

export interface IntrospectOptions {
  timeoutMs: number;
  /** Extra request headers (`schema.introspection_headers`), e.g. an authorization token. */
  headers?: Record<string, string>;
}

/** Returns the subgraph's SDL; throws IntrospectionError with a one-line cause. */
export async function introspectSubgraph(url: string, options: IntrospectOptions): Promise<string> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
      },
      body: JSON.stringify({ query: SERVICE_SDL_QUERY }),
      signal,
      // One-shot call: do not leave a keep-alive socket holding the process open.
      reset: true,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    if (signal.aborted) throw new IntrospectionError(`no response within ${options.timeoutMs} ms (timeout)`);
    throw new IntrospectionError(describeNetworkError(error));
  }
  return sdlFromResponse(status, text);
}

function sdlFromResponse(status: number, text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const prefix = status === 200 ? 'response is not JSON' : `HTTP ${status}`;
    throw new IntrospectionError(`${prefix}: ${excerpt(text)}`);
  }
  const errors = graphqlErrorMessages(body);
  if (errors.length > 0) {
    const prefix = status === 200 ? '' : `HTTP ${status}, `;
    throw new IntrospectionError(`${prefix}GraphQL errors: ${errors.join('; ')}`);
  }
  if (status !== 200) throw new IntrospectionError(`HTTP ${status}: ${excerpt(text)}`);
  const sdl = (body as { data?: { _service?: { sdl?: unknown } | null } | null }).data?._service?.sdl;
  if (typeof sdl !== 'string') {
    throw new IntrospectionError('response has no data._service.sdl string (is this a federation subgraph?)');
  }
  return sdl;
}

function graphqlErrorMessages(body: unknown): string[] {
  if (body === null || typeof body !== 'object' || !('errors' in body) || !Array.isArray(body.errors)) return [];
  return body.errors.map((e: unknown) =>
    e !== null && typeof e === 'object' && 'message' in e ? String(e.message) : JSON.stringify(e),
  );
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ERR_INVALID_URL: 'invalid URL',
};

function describeNetworkError(error: unknown): string {
  const code = findCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === undefined) return message;
  return `${NETWORK_CAUSES[code] ?? message} (${code})`;
}

/** The errno-style code, looking through `cause` and AggregateError (happy-eyeballs tries several addresses). */
function findCode(error: unknown): string | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  if ('code' in error && typeof error.code === 'string' && error.code !== 'UND_ERR') return error.code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const code = findCode(inner);
      if (code !== undefined) return code;
    }
  }
  return 'cause' in error ? findCode(error.cause) : undefined;
}

function excerpt(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(empty body)';
  return oneLine.length > BODY_EXCERPT_CHARS ? `${oneLine.slice(0, BODY_EXCERPT_CHARS)}…` : oneLine;
}
