// The OpenAPI 3.1 document of the REST endpoints, built from what each endpoint was compiled into:
// its query parameters (from the operation's variable types), its 200 body (from the selection's
// result types) and the statuses the gateway answers. Built once per supergraph and config.
import type { JsonSchema } from './json-schema.ts';
import type { ParameterSpec } from './parameters.ts';

/** What the document says of one endpoint. */
export interface OpenApiEndpoint {
  path: string;
  /** The operation's name (unique: a second endpoint of the same operation gets `_2`, …). */
  operationName: string;
  documentId: string;
  description: string | undefined;
  parameters: readonly ParameterSpec[];
  /** The 200 body. */
  responseSchema: JsonSchema;
  /** A `response_path` is set: a null there answers 404. */
  mayBeNotFound: boolean;
  /** The `Cache-Control` of a 200 (from the operation's `@cacheControl` hints). */
  cacheControl: string;
}

/** The credentials the gateway takes (`authentication`), for `securitySchemes`. */
export interface OpenApiSecurity {
  bearer: boolean;
  /** The API-key header, when API keys are configured. */
  apiKeyHeader: string | undefined;
  /** `authentication.required`: every request must carry one. */
  required: boolean;
}

/** What the gateway adds to answers besides the body: which statuses occur and which headers they carry. */
export interface OpenApiAnswers {
  /** `telemetry.request_id_header`, on every answer. */
  requestIdHeader: string;
  /** `quotas.rules` is not empty: answers after the quota stage carry the rate-limit headers, and 429. */
  quotas: boolean;
  /** `authentication.failure_limit` with credentials configured: an IP over it gets 429 before verification. */
  authFailureLimit: boolean;
  /** Some origin is allowed (`cors`, a profile's `cors`): answers may carry the CORS headers; undefined: none. */
  cors?: { allowCredentials: boolean } | undefined;
}

// Response headers, once under components.headers and referred to from each response that has them.
const HEADERS: Record<string, Record<string, unknown>> = {
  ETag: { description: 'Strong validator: the SHA-256 of the body (base64url, quoted)', schema: { type: 'string' } },
  RetryAfter: { description: 'Seconds until the request may fit again', required: true, schema: { type: 'integer', minimum: 1 } },
  WWWAuthenticate: { description: 'The challenge (RFC 6750): which credential is missing or which check failed', schema: { type: 'string' } },
  RateLimit: { description: 'Each quota policy that counted the request: `"<policy>";r=<remaining>;t=<seconds until full>` (draft-ietf-httpapi-ratelimit-headers)', schema: { type: 'string' } },
  RateLimitPolicy: { description: 'Each quota policy: `"<policy>";q=<limit>;w=<window seconds>`', schema: { type: 'string' } },
  XRateLimitLimit: { description: 'The limit of the tightest policy (of the refusing one on a 429)', schema: { type: 'integer', minimum: 0 } },
  XRateLimitRemaining: { description: 'What is left of it', schema: { type: 'integer', minimum: 0 } },
  NoStore: { description: 'Errors are not stored', schema: { type: 'string', const: 'no-store' } },
  Vary: {
    description: 'The request headers the answer depends on: `origin` with CORS; on a cacheable 200 or 304 also the credential headers and the client-name header (when a client profile lists client names)',
    schema: { type: 'string' },
  },
  AccessControlAllowOrigin: { description: 'CORS: the page origin that may read the answer (its profile allows it)', schema: { type: 'string' } },
  AccessControlAllowCredentials: { description: 'CORS: the page may send cookies (`cors.allow_credentials`)', schema: { type: 'string', const: 'true' } },
  AccessControlExposeHeaders: { description: 'CORS: response headers the page may read (`cors.expose_headers`)', schema: { type: 'string' } },
  XRateLimitReset: { description: 'Seconds until it is full again', schema: { type: 'integer', minimum: 0 } },
};

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** The headers every answer carries, and those of answers after the quota stage (200, 304 and what execution answers). */
function answerHeaders(answers: OpenApiAnswers): { always: Record<string, unknown>; counted: Record<string, unknown> } {
  const always: Record<string, unknown> = { [answers.requestIdHeader]: ref('RequestId'), Vary: ref('Vary') };
  if (answers.cors !== undefined) {
    // Optional: sent only when the origin is allowed (by the request's profile, once it is known).
    always['Access-Control-Allow-Origin'] = ref('AccessControlAllowOrigin');
    if (answers.cors.allowCredentials) always['Access-Control-Allow-Credentials'] = ref('AccessControlAllowCredentials');
    always['Access-Control-Expose-Headers'] = ref('AccessControlExposeHeaders');
  }
  if (!answers.quotas) return { always, counted: always };
  return {
    always,
    counted: {
      ...always,
      RateLimit: ref('RateLimit'),
      'RateLimit-Policy': ref('RateLimitPolicy'),
      'X-RateLimit-Limit': ref('XRateLimitLimit'),
      'X-RateLimit-Remaining': ref('XRateLimitRemaining'),
      'X-RateLimit-Reset': ref('XRateLimitReset'),
    },
  };
}

export function openApiDocument(
  info: { title: string; version: string },
  endpoints: readonly OpenApiEndpoint[],
  security: OpenApiSecurity,
  answers: OpenApiAnswers,
): Record<string, unknown> {
  const schemes: Record<string, unknown> = {};
  if (security.bearer) schemes['bearerAuth'] = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
  if (security.apiKeyHeader !== undefined) schemes['apiKey'] = { type: 'apiKey', in: 'header', name: security.apiKeyHeader };
  const requirements = Object.keys(schemes).map((name) => ({ [name]: [] }));
  const paths: Record<string, unknown> = {};
  const credentials = requirements.length > 0;
  for (const endpoint of endpoints) paths[endpoint.path] = { get: operation(endpoint, answers, credentials) };
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: 'REST endpoints backed by trusted GraphQL documents (Tollgate).' },
    paths,
    components: {
      schemas: {
        Errors: {
          type: 'object',
          required: ['errors'],
          properties: {
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['message'],
                properties: {
                  message: { type: 'string' },
                  path: { type: 'array', items: { type: ['string', 'integer'] } },
                  extensions: {
                    type: 'object',
                    properties: { code: { type: 'string' }, requestId: { type: 'string' }, parameter: { type: 'string' }, reason: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
      headers: {
        ...HEADERS,
        RequestId: { description: 'The request\'s id, as in the access log and `errors[].extensions.requestId`', schema: { type: 'string' } },
      },
      ...(requirements.length > 0 ? { securitySchemes: schemes } : {}),
    },
    // Anonymous requests are allowed unless authentication.required (a profile may still require a credential).
    ...(requirements.length > 0 ? { security: security.required ? requirements : [{}, ...requirements] } : {}),
  };
}

function operation(endpoint: OpenApiEndpoint, answers: OpenApiAnswers, credentials: boolean): Record<string, unknown> {
  const { always, counted } = answerHeaders(answers);
  const cacheControl = {
    description: `From the operation's @cacheControl hints: ${endpoint.cacheControl}${endpoint.cacheControl.startsWith('public,') ? ' (`private` for a request with a credential)' : ''}`,
    schema: { type: 'string', example: endpoint.cacheControl },
  };
  // Every status an endpoint can answer (rest/respond.ts, README "REST endpoints backed by operations"), in order.
  const errors: Record<string, unknown> = {
    '400': errorResponse(
      'A query parameter is missing, malformed (not percent-encoded UTF-8), repeated or not of its type (`INVALID_PARAMETER`: `extensions.parameter` names it, `extensions.reason` says which), the request is refused before it runs (document limits, cost), or a custom scalar\'s value is refused (`BAD_USER_INPUT`)',
      counted,
    ),
    ...(credentials ? { '401': errorResponse('Missing (where required) or invalid credential (`UNAUTHENTICATED`, `extensions.reason`)', { ...always, 'WWW-Authenticate': ref('WWWAuthenticate') }) } : {}),
    '403': errorResponse('A field of the operation the caller may not see (`FORBIDDEN`)', counted),
    ...(endpoint.mayBeNotFound ? { '404': errorResponse("Nothing at the endpoint's response path for these parameters (`NOT_FOUND`)", counted) } : {}),
    '406': errorResponse('`accept` does not allow application/json (`NOT_ACCEPTABLE`)', always),
    ...(answers.quotas || answers.authFailureLimit
      ? {
          // A quota's 429 has every rate-limit header; the auth-failure limit's, its policy and Retry-After.
          '429': errorResponse('A quota refused (`RATE_LIMITED`), or too many failed authentications came from this address', {
            ...counted,
            'Retry-After': ref('RetryAfter'),
            'RateLimit-Policy': ref('RateLimitPolicy'),
          }),
        }
      : {}),
    '500': errorResponse('A gateway bug (`INTERNAL_SERVER_ERROR`): the detail is in the gateway\'s log under the request id', counted),
    '502': errorResponse('A subgraph failed: no partial answers here (`errors[].extensions.code` says which failure)', counted),
    '503': errorResponse('Not ready (no supergraph yet), a credential\'s signing keys unavailable, or the quota store unavailable under `fail_closed`', {
      ...always,
      'Retry-After': { ...HEADERS['RetryAfter'], required: false },
    }),
    '504': errorResponse('A subgraph did not answer in time (`SUBGRAPH_TIMEOUT`)', counted),
  };
  return {
    operationId: endpoint.operationName,
    summary: `${endpoint.operationName} (trusted document ${endpoint.documentId})`,
    ...(endpoint.description === undefined ? {} : { description: endpoint.description }),
    parameters: [
      ...endpoint.parameters.map((p) => ({
        name: p.name,
        in: 'query',
        required: p.required,
        description: `$${p.variable}: ${p.graphqlType}${p.list ? ' (repeat the parameter for each item)' : ''}`,
        schema: p.schema,
        ...(p.list ? { style: 'form', explode: true } : {}),
      })),
      { name: 'If-None-Match', in: 'header', required: false, description: 'An ETag of an earlier answer: 304 when the answer is the same', schema: { type: 'string' } },
    ],
    responses: {
      '200': {
        description: "The operation's data",
        headers: { ETag: ref('ETag'), 'Cache-Control': cacheControl, ...counted },
        content: { 'application/json': { schema: endpoint.responseSchema } },
      },
      '304': { description: 'Not modified: `If-None-Match` names the current ETag', headers: { ETag: ref('ETag'), 'Cache-Control': cacheControl, ...counted } },
      ...errors,
    },
  };
}

function errorResponse(description: string, headers: Record<string, unknown>): Record<string, unknown> {
  // Errors are never stored (`cache-control: no-store`).
  return { description, headers: { ...headers, 'Cache-Control': ref('NoStore') }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } } };
}
