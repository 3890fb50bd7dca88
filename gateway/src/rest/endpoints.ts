// `rest_endpoints` compiled against one supergraph: each endpoint's trusted document found, parsed
// and validated, its operation resolved (a query), its query parameters worked out from the
// variables, its 200 body's schema and its Cache-Control from the selection; and the OpenAPI
// document of them all. Built with every graph (start-up, hot reload, config reload); whatever does
// not fit is a ConfigError naming the key, so a supergraph that breaks an endpoint is refused.
import { createHash } from 'node:crypto';
import { getOperationAST, Kind, parse, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { ConfigError } from '../core/config-errors.ts';
import { GatewayError } from '../core/errors.ts';
import { cacheControlHeader, operationCachePolicy, type CacheHints } from '../core/cache-policy.ts';
import type { RestEndpointConfig, RestEndpointsConfig } from './config.ts';
import { nonNull, operationDataSchema, type JsonSchema } from './json-schema.ts';
import { openApiDocument, type OpenApiAnswers, type OpenApiEndpoint, type OpenApiSecurity } from './openapi.ts';
import { bindParameters, parameterSpecs, type ParameterSpec } from './parameters.ts';
import type { RestRequest } from './stage.ts';

export interface RestEndpointsOptions {
  config: RestEndpointsConfig;
  /** The API schema the documents are validated against. */
  schema: GraphQLSchema;
  /** The supergraph's `@cacheControl` hints; undefined: none (every answer `no-store`). */
  hints: CacheHints | undefined;
  /** A trusted document's text by id (`persisted_documents`). */
  documentText(id: string): string | undefined;
  /** `limits.parser_max_tokens`. */
  maxTokens: number;
  security: OpenApiSecurity;
  /** The statuses and headers the gateway's configuration makes answers have. */
  answers: OpenApiAnswers;
}

/** One endpoint, ready for requests. */
export interface CompiledEndpoint {
  readonly path: string;
  readonly parameters: readonly ParameterSpec[];
  /** Response keys from `data` to the body; undefined: the whole `data`. */
  readonly responsePath: readonly string[] | undefined;
  /** `Cache-Control` of a 200. */
  readonly cacheControl: string;
}

/** A served document: its bytes and their ETag. */
export interface StaticDocument {
  readonly body: string;
  readonly etag: string;
}

export class RestEndpoints {
  readonly #endpoints = new Map<string, CompiledEndpoint>();
  /** The OpenAPI document; undefined when `rest_endpoints.openapi.enabled` is false. */
  readonly openapi: StaticDocument | undefined;

  /** Throws ConfigError naming the key of the first endpoint that does not fit this supergraph. */
  constructor(options: RestEndpointsOptions) {
    const described: OpenApiEndpoint[] = [];
    const operationIds = new Set<string>();
    for (const [path, endpoint] of Object.entries(options.config.endpoints)) {
      const key = `rest_endpoints.endpoints.${path}`;
      const { operation, compiled, responseSchema } = compile(options, path, endpoint, key);
      this.#endpoints.set(path, compiled);
      const name = operation.name?.value ?? 'query';
      let operationId = name;
      for (let n = 2; operationIds.has(operationId); n++) operationId = `${name}_${n}`;
      operationIds.add(operationId);
      described.push({
        path,
        operationName: operationId,
        documentId: endpoint.document_id,
        description: endpoint.description,
        parameters: compiled.parameters,
        responseSchema,
        mayBeNotFound: compiled.responsePath !== undefined,
        cacheControl: compiled.cacheControl,
      });
    }
    const { openapi } = options.config;
    this.openapi = openapi.enabled && described.length > 0 ? staticJson(openApiDocument(openapi, described, options.security, options.answers)) : undefined;
  }

  /**
   * Stage 4's first step for a REST request: the request's endpoint on this graph, and its variables
   * from its query string (400 INVALID_PARAMETER). An endpoint a config reload removed while the
   * request was on its way answers 404.
   */
  bind(request: RestRequest): CompiledEndpoint {
    const endpoint = this.#endpoints.get(request.rest.path);
    if (endpoint === undefined) throw new GatewayError('NOT_FOUND', `No route for ${request.rest.path}`);
    request.variables = bindParameters(endpoint.parameters, request.rest.search);
    return endpoint;
  }
}

function compile(
  options: RestEndpointsOptions,
  path: string,
  endpoint: RestEndpointConfig,
  key: string,
): { operation: OperationDefinitionNode; compiled: CompiledEndpoint; responseSchema: JsonSchema } {
  const { schema } = options;
  const text = options.documentText(endpoint.document_id);
  if (text === undefined) throw new ConfigError(`${key}.document_id: no trusted document has the id ${endpoint.document_id} (persisted_documents.manifests)`);
  let document;
  try {
    document = parse(text, { maxTokens: options.maxTokens });
  } catch (error) {
    throw new ConfigError(`${key}.document_id: the document does not parse: ${(error as Error).message}`);
  }
  const errors = validate(schema, document);
  if (errors.length > 0) throw new ConfigError(`${key}.document_id: the document does not validate against the supergraph: ${errors[0]!.message}`);
  const operation = getOperationAST(document, endpoint.operation_name);
  if (!operation) {
    const names = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d.name?.value ?? '(anonymous)'] : []));
    if (endpoint.operation_name !== undefined) throw new ConfigError(`${key}.operation_name: the document has no operation ${endpoint.operation_name} (it has ${names.join(', ')})`);
    throw new ConfigError(`${key}: the document has several operations (${names.join(', ')}): set operation_name`);
  }
  if (operation.operation !== 'query') {
    throw new ConfigError(`${key}: ${operation.name?.value ?? 'the operation'} is a ${operation.operation}; REST endpoints (GET) run queries only`);
  }
  const parameters = parameterSpecs(schema, operation, endpoint.parameters, key);
  const responsePath = endpoint.response_path?.split('.');
  let responseSchema = operationDataSchema(schema, document, operation);
  for (const [index, segment] of (responsePath ?? []).entries()) {
    const properties = responseSchema['properties'] as Record<string, JsonSchema> | undefined;
    const next = properties?.[segment];
    if (next === undefined) {
      const at = responsePath!.slice(0, index).join('.') || 'data';
      throw new ConfigError(`${key}.response_path: ${at} has no ${segment}${properties ? ` (it has ${Object.keys(properties).join(', ')})` : ' (it is not an object)'}`);
    }
    responseSchema = nonNull(next);
  }
  const cacheControl = options.hints ? cacheControlHeader(operationCachePolicy(schema, options.hints, document, operation)) : 'no-store';
  return { operation, compiled: { path, parameters, responsePath, cacheControl }, responseSchema };
}

/** A JSON document served as it is, with a strong ETag. */
function staticJson(value: unknown): StaticDocument {
  const body = `${JSON.stringify(value, null, 2)}\n`;
  return { body, etag: strongEtag(body) };
}

/** A strong validator of `body`: its SHA-256, quoted (RFC 9110's entity-tag). */
export function strongEtag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}
