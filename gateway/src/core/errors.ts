/**
 * One error class per failure class a stage can end a request with. Each carries the HTTP status
 * (GraphQL-over-HTTP) and the stable `extensions.code` clients switch on; stage 7 renders them.
 */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly headers: Record<string, string> = {},
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class BadRequestError extends GatewayError {
  constructor(message: string) {
    super(message, 'BAD_REQUEST', 400);
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(limit: number) {
    super(`Request body is larger than the limit of ${limit} bytes`, 'PAYLOAD_TOO_LARGE', 413);
  }
}

export class MethodNotAllowedError extends GatewayError {
  constructor() {
    super('GraphQL requests must use GET or POST', 'METHOD_NOT_ALLOWED', 405, { allow: 'GET, POST' });
  }
}

export class UnsupportedMediaTypeError extends GatewayError {
  constructor() {
    super('POST requests must have content-type application/json', 'UNSUPPORTED_MEDIA_TYPE', 415);
  }
}

export class NotReadyError extends GatewayError {
  constructor() {
    super('The gateway has no supergraph loaded yet', 'SERVICE_UNAVAILABLE', 503, { 'retry-after': '1' });
  }
}

/** Anything unexpected: the client sees a stable code, the log gets the detail. */
export class InternalError extends GatewayError {
  constructor() {
    super('Internal server error', 'INTERNAL_SERVER_ERROR', 500);
  }
}

/**
 * Stage 2: a missing (when required) or invalid credential. 401 with a `WWW-Authenticate`
 * challenge (RFC 6750); `extensions.reason` says which check failed, never echoing the credential.
 */
export class UnauthenticatedError extends GatewayError {
  constructor(message: string, reason: string, challenge: string) {
    super(message, 'UNAUTHENTICATED', 401, { 'www-authenticate': challenge }, { reason });
  }
}

/** Stage 2: a token's keys cannot be had (its JWKS never fetched and unreachable now). */
export class AuthenticationUnavailableError extends GatewayError {
  constructor() {
    super('Cannot verify the token right now: its signing keys are unavailable', 'AUTHENTICATION_UNAVAILABLE', 503, {
      'retry-after': '5',
    });
  }
}
