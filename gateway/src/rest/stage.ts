// Stage 1 (http) of a REST endpoint: the HTTP checks a GET of a REST path needs (method, `accept`),
// and the request turned into the pipeline's typed request — the endpoint's trusted document by
// id, no query text — so that every later stage runs exactly as for a GraphQL request. Its
// variables come from the query string at stage 4, against the serving supergraph's types.
import type { IncomingMessage } from 'node:http';
import Negotiator from 'negotiator';
import { GatewayError } from '../core/errors.ts';
import type { RestEndpointsConfig } from './config.ts';
import { parseQueryString, type QueryParameters } from './parameters.ts';

/** A REST request as the stages see it: a GET of a trusted document (the fields of stage 1's GraphQL request). */
export interface RestRequest {
  method: 'GET';
  query: undefined;
  operationName: string | undefined;
  /** Set at stage 4 (RestEndpoints.bind), from `rest.search`. */
  variables: Record<string, unknown> | undefined;
  extensions: undefined;
  documentId: string;
  responseType: string;
  rest: {
    /** The endpoint's path (its key in `rest_endpoints.endpoints`). */
    path: string;
    /** The query string, decoded strictly (a value that is not percent-encoded UTF-8 is undefined). */
    search: QueryParameters;
  };
}

/** What the listener serves at a REST path. */
export type RestRoute = 'endpoint' | 'openapi';

export const REST_MEDIA_TYPE = 'application/json; charset=utf-8';

export class RestStage {
  readonly #routes = new Map<string, RestRoute>();

  constructor(private readonly config: RestEndpointsConfig) {
    for (const path of Object.keys(config.endpoints)) this.#routes.set(path, 'endpoint');
    if (this.#routes.size > 0 && config.openapi.enabled) this.#routes.set(config.openapi.path, 'openapi');
  }

  /** Whether `path` is a REST endpoint, the OpenAPI document, or neither. */
  route(path: string): RestRoute | undefined {
    return this.#routes.get(path);
  }

  /** Stage 1 for the endpoint at `path` (one `route` said is an endpoint). */
  run(req: IncomingMessage, path: string): RestRequest {
    checkRequest(req);
    const endpoint = this.config.endpoints[path]!;
    const url = req.url ?? '';
    const queryStart = url.indexOf('?');
    return {
      method: 'GET',
      query: undefined,
      operationName: endpoint.operation_name,
      variables: undefined,
      extensions: undefined,
      documentId: endpoint.document_id,
      responseType: REST_MEDIA_TYPE,
      rest: { path, search: parseQueryString(queryStart === -1 ? '' : url.slice(queryStart + 1)) },
    };
  }
}

/** GET only (405 with `Allow: GET`), and an `accept` that takes JSON (406). */
export function checkRequest(req: IncomingMessage): void {
  if (req.method !== 'GET') throw new GatewayError('METHOD_NOT_ALLOWED', 'REST endpoints answer GET only', { headers: { allow: 'GET' } });
  if (!acceptsJson(req.headers.accept)) throw new GatewayError('NOT_ACCEPTABLE', "The 'accept' header does not allow application/json");
}

// Clients send a handful of distinct Accept values; negotiating each once keeps it off the hot path.
const accepted = new Map<string, boolean>();
const MAX_REMEMBERED = 256;

function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept === '') return true;
  let ok = accepted.get(accept);
  if (ok === undefined) {
    ok = new Negotiator({ headers: { accept } }).mediaType(['application/json']) !== undefined;
    if (accepted.size < MAX_REMEMBERED) accepted.set(accept, ok);
  }
  return ok;
}
