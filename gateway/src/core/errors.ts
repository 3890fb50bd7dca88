// The error registry: every `extensions.code` Tollgate answers with, its HTTP status and what it
// means, in one table. Stages end a request by throwing a GatewayError with one of these codes;
// stage 7 renders it. Codes the GraphQL layer puts into a response body (validation, subgraph
// failures) are listed too, so the README's error table and clients have one source.
// test/gateway/core/errors.test.ts checks that README.md documents every code and status.

export interface ErrorSpec {
  /** HTTP status of a response that ends with this error; 200 for errors carried beside data. */
  readonly status: number;
  /** Which stage (or layer) raises it. */
  readonly stage: string;
  /** What it means, for the README and for operators. */
  readonly meaning: string;
}

export const ERROR_CODES = {
  // Stage 1 (http): refused before any GraphQL work.
  METHOD_NOT_ALLOWED: { status: 405, stage: 'http', meaning: 'not GET or POST (`Allow: GET, POST`)' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, stage: 'http', meaning: 'POST without `content-type: application/json`, or GET with a non-JSON content type' },
  PAYLOAD_TOO_LARGE: { status: 413, stage: 'http', meaning: 'body over `limits.http_max_request_bytes`' },
  BAD_REQUEST: { status: 400, stage: 'http / document', meaning: 'malformed GraphQL-over-HTTP request (JSON, fields, CSRF, no query)' },
  NOT_ACCEPTABLE: { status: 406, stage: 'http', meaning: '`accept` allows neither JSON media type' },
  NOT_FOUND: { status: 404, stage: 'http', meaning: "no route at this path; a REST endpoint's `response_path` is null" },
  REQUEST_HEADER_FIELDS_TOO_LARGE: { status: 431, stage: 'http', meaning: 'headers over Node\'s size limit, or more header lines than the gateway reads' },
  REQUEST_TIMEOUT: { status: 408, stage: 'http', meaning: 'headers or body not received within the server\'s timeouts' },
  SERVICE_UNAVAILABLE: { status: 503, stage: 'document', meaning: 'no supergraph loaded yet (`Retry-After`)' },
  // Stage 2 (identify).
  UNAUTHENTICATED: { status: 401, stage: 'identify', meaning: 'missing (when required) or invalid credential; `extensions.reason` says which check failed' },
  AUTHENTICATION_UNAVAILABLE: { status: 503, stage: 'identify', meaning: "the token's signing keys cannot be fetched" },
  // Stage 4 (document, cost).
  GRAPHQL_PARSE_FAILED: { status: 400, stage: 'document', meaning: 'the document does not parse (or has more than `limits.parser_max_tokens` tokens)' },
  GRAPHQL_VALIDATION_FAILED: { status: 400, stage: 'document', meaning: 'the document is not valid against the API schema' },
  OPERATION_RESOLUTION_FAILURE: { status: 400, stage: 'document', meaning: 'unknown `operationName`, or several operations and none named' },
  INVALID_PARAMETER: { status: 400, stage: 'document (REST)', meaning: "a REST endpoint's query parameter is missing, malformed (not percent-encoded UTF-8), repeated or not of its variable's type; `extensions.parameter` names it" },
  PERSISTED_QUERY_NOT_FOUND: { status: 200, stage: 'document', meaning: 'APQ hash not registered: send the query with its hash (200); 400 for a `documentId`, or under a `persisted_only` profile, where the id names no trusted document' },
  PERSISTED_QUERY_ONLY: { status: 400, stage: 'document', meaning: 'the client profile is `persisted_only`: send a trusted document id, not a query' },
  MAX_DEPTH_LIMIT: { status: 400, stage: 'document', meaning: 'the operation nests fields deeper than `limits.max_depth`' },
  MAX_HEIGHT_LIMIT: { status: 400, stage: 'document', meaning: 'the operation selects more unique fields than `limits.max_height`' },
  MAX_ALIASES_LIMIT: { status: 400, stage: 'document', meaning: 'the operation has more aliases than `limits.max_aliases`' },
  MAX_ROOT_FIELDS_LIMIT: { status: 400, stage: 'document', meaning: 'the operation has more root fields than `limits.max_root_fields`' },
  MAX_DIRECTIVES_LIMIT: { status: 400, stage: 'document', meaning: 'a field carries more directives than `limits.max_directives_per_field`' },
  COST_ESTIMATED_TOO_EXPENSIVE: { status: 400, stage: 'document', meaning: 'estimated cost over `demand_control...max`; `extensions.cost`' },
  COST_QUERY_PARSE_FAILURE: { status: 400, stage: 'document', meaning: 'a valid operation that cannot be costed (e.g. `@listSize(requireOneSlicingArgument)`)' },
  // Stage 5 (admit).
  RATE_LIMITED: { status: 429, stage: 'admit', meaning: 'a quota refused: `Retry-After`, `RateLimit*` headers' },
  COST_EXCEEDS_QUOTA: { status: 400, stage: 'admit', meaning: 'the estimate is larger than the whole cost budget: no wait makes it fit (no `Retry-After`)' },
  QUOTA_STORE_UNAVAILABLE: { status: 503, stage: 'admit', meaning: 'Redis failing under `quotas.on_store_failure: fail_closed`' },
  // Stage 6 (execute): in the body, beside whatever data the rest of the operation produced.
  BAD_USER_INPUT: { status: 400, stage: 'execute', meaning: 'variables do not match their declared types' },
  FORBIDDEN: { status: 200, stage: 'execute', meaning: 'a field the caller may not see (`@authenticated`, `@requiresScopes`); it reads null' },
  SUBGRAPH_TIMEOUT: { status: 200, stage: 'execute', meaning: 'a subgraph did not answer within `traffic_shaping...timeout_ms`' },
  SUBGRAPH_UNAVAILABLE: { status: 200, stage: 'execute', meaning: 'a subgraph could not be reached' },
  SUBGRAPH_CIRCUIT_OPEN: { status: 200, stage: 'execute', meaning: "a subgraph's circuit breaker is open: no call was made" },
  SUBGRAPH_HTTP_ERROR: { status: 200, stage: 'execute', meaning: 'a subgraph answered a non-2xx status without a GraphQL body' },
  SUBGRAPH_RESPONSE_TOO_LARGE: { status: 200, stage: 'execute', meaning: 'a subgraph answer over `traffic_shaping...max_response_bytes`: the fetch was cut off' },
  TOO_MANY_SUBGRAPH_FETCHES: { status: 400, stage: 'execute', meaning: 'the query plan needs more subgraph fetches than `limits.max_subgraph_fetches`; nothing was fetched' },
  FIELD_NOT_REACHABLE: { status: 400, stage: 'execute', meaning: 'the operation selects a field no subgraph can be reached to fetch (only on an @interfaceObject without a resolvable key, or an entity only a `resolvable: false` key would find); `extensions.field` names it; nothing was fetched' },
  SUBGRAPH_BAD_RESPONSE: { status: 200, stage: 'execute', meaning: 'a subgraph answered something that is not a GraphQL response' },
  SUBGRAPH_ERRORS_TRUNCATED: { status: 200, stage: 'execute', meaning: 'a subgraph answered more than 100 errors: the first 100 are kept, this one counts the rest (`extensions.droppedErrors`)' },
  // Anywhere.
  INTERNAL_SERVER_ERROR: { status: 500, stage: 'any', meaning: 'a bug: the client gets this, the log gets the detail' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

import type { GraphQLFormattedError } from 'graphql';

export interface GatewayErrorOptions {
  /** Response headers this error adds (`Retry-After`, `WWW-Authenticate`, `Allow`). */
  headers?: Record<string, string>;
  /** More `extensions` beside `code`. */
  extensions?: Record<string, unknown>;
  /** A status other than the registry's (the same code means the same thing with another status). */
  status?: number;
  /** Several errors of this code (e.g. every validation error), rendered instead of this one. */
  errors?: readonly GraphQLFormattedError[];
}

/** A request ended by a stage: the code from the registry, its status, a message for the client. */
export class GatewayError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;
  readonly errors: readonly GraphQLFormattedError[] | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message);
    this.status = options.status ?? ERROR_CODES[code].status;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
    this.errors = options.errors;
  }

  /** The `errors` of the response body, each naming the request (`extensions.requestId`) when given. */
  toFormattedErrors(requestId?: string): readonly GraphQLFormattedError[] {
    const errors = this.errors ?? [{ message: this.message, extensions: { code: this.code, ...this.extensions } }];
    return requestId === undefined ? errors : errors.map((error) => ({ ...error, extensions: { ...error.extensions, requestId } }));
  }
}

export function badRequest(message: string, options?: GatewayErrorOptions): GatewayError {
  return new GatewayError('BAD_REQUEST', message, options);
}

export function payloadTooLarge(limit: number): GatewayError {
  return new GatewayError('PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${limit} bytes`);
}

export function methodNotAllowed(): GatewayError {
  return new GatewayError('METHOD_NOT_ALLOWED', 'GraphQL requests must use GET or POST', { headers: { allow: 'GET, POST' } });
}

export function unsupportedMediaType(message = 'POST requests must have content-type application/json'): GatewayError {
  return new GatewayError('UNSUPPORTED_MEDIA_TYPE', message);
}

export function notReady(): GatewayError {
  return new GatewayError('SERVICE_UNAVAILABLE', 'The gateway has no supergraph loaded yet', { headers: { 'retry-after': '1' } });
}

/** Anything unexpected: the client sees a stable code, the log gets the detail. */
export function internalError(): GatewayError {
  return new GatewayError('INTERNAL_SERVER_ERROR', 'Internal server error');
}

/**
 * Stage 2: a missing (when required) or invalid credential. 401 with a `WWW-Authenticate`
 * challenge (RFC 6750); `extensions.reason` says which check failed, never echoing the credential.
 */
export function unauthenticated(message: string, reason: string, challenge: string): GatewayError {
  return new GatewayError('UNAUTHENTICATED', message, { headers: { 'www-authenticate': challenge }, extensions: { reason } });
}

/** Stage 2: a token's keys cannot be had (its JWKS never fetched and unreachable now). */
export function authenticationUnavailable(): GatewayError {
  return new GatewayError('AUTHENTICATION_UNAVAILABLE', 'Cannot verify the token right now: its signing keys are unavailable', {
    headers: { 'retry-after': '5' },
  });
}
