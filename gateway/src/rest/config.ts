import { z } from 'zod';
import { configBoolean } from '../core/config-values.ts';

/** A URL path the gateway answers: plain segments, no query, no placeholders. */
const URL_PATH = /^(\/[A-Za-z0-9._~-]+)+\/?$/;
const URL_PATH_MESSAGE = 'expected a path like /api/v1/home (at most 256 characters: letters, digits, "._~-" between slashes)';
const urlPath = z.string().max(256).regex(URL_PATH, URL_PATH_MESSAGE);
/** A GraphQL name (variables, operations, response keys). */
const graphqlName = z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*$/, 'expected a GraphQL name');
/** A query-string parameter name. */
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** One REST endpoint (`rest_endpoints.endpoints.<path>`): a GET that runs a trusted document. */
const endpointSchema = z.strictObject({
  /** The trusted document it runs: an id from `persisted_documents.manifests` (`sha256:<hex>` finds a bare hex id too). Required. */
  document_id: z.string().min(1).max(256),
  /** The operation of the document to run; default its only one. */
  operation_name: graphqlName.optional(),
  /** Query-string parameter → the variable it binds; a variable not named here binds the parameter of its own name. Default none. */
  parameters: z
    .record(z.string(), graphqlName)
    .superRefine((parameters, ctx) => {
      for (const name of Object.keys(parameters)) {
        if (!PARAMETER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'expected a parameter name: letters, digits, "_", "." and "-", starting with a letter or "_", at most 128 characters' });
      }
    })
    .default({}),
  /** Dot path into `data` whose value is the body (e.g. `user`); default the whole `data`. A null there answers 404. */
  response_path: z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*)*$/, 'expected response keys separated by dots, e.g. user.profile').optional(),
  /** The OpenAPI operation's description; default none. */
  description: z.string().max(2000).optional(),
});

/**
 * `rest_endpoints`: plain HTTP GET endpoints, each backed by one trusted document (persisted
 * operation). Query-string parameters become its variables; the request runs the same stages as a
 * GraphQL request (identity, client profile, cost, quotas, execution); the body is the operation's
 * `data` (or a part of it), with an ETag and a Cache-Control computed from `@cacheControl` hints.
 * An OpenAPI 3.1 document describes them. Checked against the trusted documents and the supergraph
 * at start-up and on every reload.
 */
export const restEndpointsConfigSchema = z.strictObject({
  /** The OpenAPI 3.1 document of the endpoints. */
  openapi: z
    .strictObject({
      /** Serve it (only when some endpoint is configured); default true. */
      enabled: configBoolean().default(true),
      /** Where; default /api/openapi.json. */
      path: urlPath.default('/api/openapi.json'),
      /** `info.title`; default "Tollgate REST endpoints". */
      title: z.string().min(1).max(200).default('Tollgate REST endpoints'),
      /** `info.version` (the API's, not Tollgate's); default 1.0.0. */
      version: z.string().min(1).max(50).default('1.0.0'),
    })
    .prefault({}),
  /** Endpoints by path (e.g. /api/v1/home); default none. */
  endpoints: z
    .record(z.string(), endpointSchema)
    .superRefine((endpoints, ctx) => {
      // Checked here rather than as the record's key schema, whose refusal would not say what a path may be.
      for (const path of Object.keys(endpoints)) {
        if (path.length > 256 || !URL_PATH.test(path)) ctx.addIssue({ code: 'custom', path: [path], message: URL_PATH_MESSAGE });
      }
    })
    .default({}),
});

export type RestEndpointsConfig = z.infer<typeof restEndpointsConfigSchema>;
export type RestEndpointConfig = z.infer<typeof endpointSchema>;

/** The paths the REST front answers: every endpoint's, and the OpenAPI document's when it is served. */
export function restPaths(config: RestEndpointsConfig): string[] {
  const paths = Object.keys(config.endpoints);
  return paths.length > 0 && config.openapi.enabled ? [...paths, config.openapi.path] : paths;
}
