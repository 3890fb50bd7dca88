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

const ERROR_STATUSES: ReadonlyArray<[status: string, description: string]> = [
  ['400', 'A query parameter is missing, repeated or of the wrong type (`INVALID_PARAMETER`, `extensions.parameter` names it), or the request is refused before it runs (document limits, cost)'],
  ['401', 'Missing (where required) or invalid credential (`UNAUTHENTICATED`)'],
  ['403', 'A field of the operation the caller may not see (`FORBIDDEN`)'],
  ['406', '`accept` does not allow application/json'],
  ['429', 'A quota refused (`RATE_LIMITED`, with `Retry-After`)'],
  ['502', 'A subgraph failed: no partial answers here (`errors[].extensions.code` says which failure)'],
  ['503', 'Not ready, or the quota store is unavailable'],
  ['504', 'A subgraph did not answer in time (`SUBGRAPH_TIMEOUT`)'],
];

export function openApiDocument(info: { title: string; version: string }, endpoints: readonly OpenApiEndpoint[], security: OpenApiSecurity): Record<string, unknown> {
  const schemes: Record<string, unknown> = {};
  if (security.bearer) schemes['bearerAuth'] = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
  if (security.apiKeyHeader !== undefined) schemes['apiKey'] = { type: 'apiKey', in: 'header', name: security.apiKeyHeader };
  const requirements = Object.keys(schemes).map((name) => ({ [name]: [] }));
  const paths: Record<string, unknown> = {};
  for (const endpoint of endpoints) paths[endpoint.path] = { get: operation(endpoint) };
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
                    properties: { code: { type: 'string' }, requestId: { type: 'string' }, parameter: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
      ...(requirements.length > 0 ? { securitySchemes: schemes } : {}),
    },
    // Anonymous requests are allowed unless authentication.required (a profile may still require a credential).
    ...(requirements.length > 0 ? { security: security.required ? requirements : [{}, ...requirements] } : {}),
  };
}

function operation(endpoint: OpenApiEndpoint): Record<string, unknown> {
  const errors = Object.fromEntries(ERROR_STATUSES.map(([status, description]) => [status, errorResponse(description)]));
  if (endpoint.mayBeNotFound) errors['404'] = errorResponse('Nothing at the endpoint\'s response path for these parameters (`NOT_FOUND`)');
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
        description: 'The operation\'s data',
        headers: {
          ETag: { description: 'Strong validator: the SHA-256 of the body', schema: { type: 'string' } },
          'Cache-Control': { description: `From the operation's @cacheControl hints: ${endpoint.cacheControl}`, schema: { type: 'string', example: endpoint.cacheControl } },
        },
        content: { 'application/json': { schema: endpoint.responseSchema } },
      },
      '304': { description: 'Not modified: `If-None-Match` names the current ETag', headers: { ETag: { schema: { type: 'string' } } } },
      ...errors,
    },
  };
}

function errorResponse(description: string): Record<string, unknown> {
  return { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } } };
}
