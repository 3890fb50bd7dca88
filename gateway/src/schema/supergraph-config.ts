// supergraph.yaml in rover's format: loading and validating it (loadSupergraphConfig), then
// fetching each subgraph's SDL from its file, URL or inline text (resolveSubgraphs).
//
//   federation_version: =2.7.0            # optional; see federation-version.ts
//   subgraphs:
//     orders:
//       routing_url: http://orders:4002/graphql   # where the gateway sends queries
//       schema:
//         file: ./orders.graphql                   # relative to this YAML file, or
//         # subgraph_url: http://orders:4002/graphql  (introspected; introspection_headers: {...})
//         # sdl: "type Query { ... }"
//
// Strings may use `${env.NAME}` / `${env.NAME:-default}` (or `${NAME}`; see core/env.ts).
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { describeConfigIssues, keyPath } from '../core/config-errors.ts';
import { expandPlaceholders, formatTreePath } from '../core/env.ts';
import {
  optsInToFederation2,
  parseFederationVersion,
  pinnedVersionProblem,
  type FederationVersion,
} from './federation-version.ts';
import { introspectSubgraph, IntrospectionError } from './introspect-subgraph.ts';

/** Default bound on one `subgraph_url` introspection, connect to last byte. */
export const DEFAULT_INTROSPECTION_TIMEOUT_MS = 10_000;

export type SchemaSourceKind = 'file' | 'subgraph_url' | 'sdl';

export interface SubgraphDefinition {
  name: string;
  routingUrl: string;
  sdl: string;
  /** File path or URL the SDL came from (or the config key for inline SDL), for messages. */
  source: string;
  /** Where the SDL came from; only `file` sources can carry editor / CI annotations. */
  sourceKind?: SchemaSourceKind;
}

export type SubgraphSchemaSource =
  | { kind: 'file'; path: string /* absolute */ }
  | { kind: 'subgraph_url'; url: string; headers: Record<string, string> }
  | { kind: 'sdl'; sdl: string };

export interface SubgraphConfig {
  name: string;
  routingUrl: string | undefined;
  schema: SubgraphSchemaSource;
}

export interface SupergraphConfig {
  /** Absolute path of the YAML file; relative schema files resolve from its directory. */
  path: string;
  /** Undefined when the key is absent (rover then decides from the subgraphs' `@link`). */
  federationVersion: FederationVersion | undefined;
  /** In file order. */
  subgraphs: SubgraphConfig[];
}

/** Any problem with the config or with fetching a subgraph's schema; one self-contained line per problem. */
export class SupergraphConfigError extends Error {
  override readonly name = 'SupergraphConfigError';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------
// Shape of the file

const SOURCE_KEYS = 'file | subgraph_url | sdl';

const httpUrl = z.string().refine(isHttpUrl, { error: 'expected an http:// or https:// URL' });

const SchemaSourceShape = z
  .strictObject({
    file: z.string().min(1, { error: 'expected a file path' }).optional(),
    subgraph_url: httpUrl.optional(),
    introspection_headers: z.record(z.string(), z.string()).optional(),
    sdl: z.string().optional(),
    // GraphOS registry sources: recognised so the message can say they are not supported.
    graphref: z.unknown().optional(),
    subgraph: z.unknown().optional(),
  })
  .superRefine((schema, ctx) => {
    if (schema.graphref !== undefined || schema.subgraph !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [schema.graphref !== undefined ? 'graphref' : 'subgraph'],
        message: `graphref (GraphOS registry) is not supported: Tollgate composes offline; use one of ${SOURCE_KEYS}`,
      });
      return;
    }
    const given = (['file', 'subgraph_url', 'sdl'] as const).filter((key) => schema[key] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', message: `expected one of ${SOURCE_KEYS}` });
    if (given.length > 1) {
      ctx.addIssue({ code: 'custom', message: `expected only one of ${SOURCE_KEYS}, got ${given.join(' and ')}` });
    }
    if (schema.introspection_headers !== undefined && schema.subgraph_url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['introspection_headers'],
        message: 'only allowed with subgraph_url',
      });
    }
  });

const SubgraphShape = z.strictObject({
  routing_url: httpUrl.optional(),
  schema: SchemaSourceShape,
});

const SupergraphShape = z.strictObject({
  federation_version: z
    .union([z.string(), z.number()], { error: 'expected a version like 2 or =2.7.0' })
    .transform((raw, ctx) => {
      const parsed = parseFederationVersion(raw);
      if ('error' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.error });
        return z.NEVER;
      }
      return parsed;
    })
    .optional(),
  subgraphs: z
    .record(z.string(), SubgraphShape)
    .refine((subgraphs) => Object.keys(subgraphs).length > 0, { error: 'expected at least one subgraph' }),
});

/** Allowed keys per level, for "unknown key" messages (taken from the shapes above, not repeated). */

// ---------------------------------------------------------------------------------------------
// Loading

export interface LoadOptions {
  /** Variables for `${env.NAME}`; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

export async function loadSupergraphConfig(path: string, options: LoadOptions = {}): Promise<SupergraphConfig> {
  const absolutePath = resolve(path);
  const shown = displayPath(absolutePath);

  let text: string;
  try {
    text = await readFile(absolutePath, 'utf8');
  } catch (error) {
    throw new SupergraphConfigError([`${shown}: cannot read supergraph config: ${describeFsError(error)}`]);
  }

  // prettyErrors fills in linePos; the message's own " at line …" tail is replaced by file:line:col.
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new SupergraphConfigError(
      document.errors.map((e) => {
        const at = e.linePos?.[0];
        const reason = firstLine(e.message).replace(/ at line \d+, column \d+:?$/, '');
        return `${shown}${at ? `:${at.line}:${at.col}` : ''}: invalid YAML: ${reason}`;
      }),
    );
  }

  const raw: unknown = document.toJS();
  if (raw === null || raw === undefined) {
    throw new SupergraphConfigError([`${shown}: the file is empty; expected a mapping with a subgraphs key`]);
  }

  const expanded = expandPlaceholders(raw, options.env ?? process.env);
  if (expanded.problems.length > 0) {
    throw new SupergraphConfigError(
      expanded.problems.map((p) => `${shown}: ${formatTreePath(p.path)}: ${p.message}`),
    );
  }

  const parsed = SupergraphShape.safeParse(expanded.value);
  if (!parsed.success) {
    throw new SupergraphConfigError(
      describeConfigIssues(parsed.error.issues, expanded.value, SupergraphShape, { hiddenKeys: ['graphref', 'subgraph'] }).map((line) => `${shown}: ${line}`),
    );
  }

  const baseDir = dirname(absolutePath);
  return {
    path: absolutePath,
    federationVersion: parsed.data.federation_version,
    subgraphs: Object.entries(parsed.data.subgraphs).map(([name, subgraph]) => ({
      name,
      routingUrl: subgraph.routing_url,
      schema: toSchemaSource(subgraph.schema, baseDir),
    })),
  };
}

function toSchemaSource(schema: z.infer<typeof SchemaSourceShape>, baseDir: string): SubgraphSchemaSource {
  if (schema.file !== undefined) return { kind: 'file', path: resolve(baseDir, schema.file) };
  if (schema.subgraph_url !== undefined) {
    return { kind: 'subgraph_url', url: schema.subgraph_url, headers: schema.introspection_headers ?? {} };
  }
  return { kind: 'sdl', sdl: schema.sdl ?? '' };
}

// ---------------------------------------------------------------------------------------------
// Resolving: config → SDL per subgraph

export interface ResolveOptions {
  /** Bound on each `subgraph_url` introspection; default DEFAULT_INTROSPECTION_TIMEOUT_MS. */
  introspectionTimeoutMs?: number;
  /** Subgraph name → routing URL, replacing `routing_url` (tests, per-environment deploys). */
  routingUrlOverrides?: Record<string, string>;
}

/** Reads every subgraph's SDL (concurrently) and reports every failure at once, not just the first. */
export async function resolveSubgraphs(
  config: SupergraphConfig,
  options: ResolveOptions = {},
): Promise<SubgraphDefinition[]> {
  const overrides = options.routingUrlOverrides ?? {};
  const known = new Set(config.subgraphs.map((s) => s.name));
  const problems = Object.entries(overrides).flatMap(([name, url]) => {
    if (!known.has(name)) return [`routing URL override for "${name}": no such subgraph in ${displayPath(config.path)}`];
    if (!isHttpUrl(url)) return [`routing URL override for "${name}": expected an http:// or https:// URL, got "${url}"`];
    return [];
  });
  if (problems.length > 0) throw new SupergraphConfigError(problems);

  const timeoutMs = options.introspectionTimeoutMs ?? DEFAULT_INTROSPECTION_TIMEOUT_MS;
  const results = await Promise.all(
    config.subgraphs.map((subgraph) => resolveOne(subgraph, config, overrides[subgraph.name], timeoutMs)),
  );
  const failures = results.filter((r): r is { problem: string } => 'problem' in r).map((r) => r.problem);
  if (failures.length > 0) throw new SupergraphConfigError(failures);

  const definitions = results as SubgraphDefinition[];
  if (config.federationVersion === undefined && !definitions.some((d) => optsInToFederation2(d.sdl))) {
    throw new SupergraphConfigError([
      `${displayPath(config.path)}: federation_version: not set and no subgraph opts in to Federation 2 with ` +
        `@link, so rover would compose them as Federation 1, which Tollgate does not support; ` +
        `set federation_version: 2 (Federation 1 schemas are upgraded) or add @link to the schemas`,
    ]);
  }
  const versionProblems = definitions.flatMap((d) => {
    const problem = pinnedVersionProblem(config.federationVersion, d.sdl);
    return problem === undefined ? [] : [`subgraph "${d.name}" (${d.source}): ${problem}`];
  });
  if (versionProblems.length > 0) throw new SupergraphConfigError(versionProblems);
  return definitions;
}

async function resolveOne(
  subgraph: SubgraphConfig,
  config: SupergraphConfig,
  override: string | undefined,
  timeoutMs: number,
): Promise<SubgraphDefinition | { problem: string }> {
  const { name, schema } = subgraph;
  const fail = (message: string) => ({ problem: `subgraph "${name}": ${message}` });

  // Rover's rule: an introspected subgraph is routed to where it was introspected unless told otherwise.
  const routingUrl = override ?? subgraph.routingUrl ?? (schema.kind === 'subgraph_url' ? schema.url : undefined);
  if (routingUrl === undefined) {
    return fail(`subgraphs.${name}.routing_url is required with schema.${schema.kind} (only subgraph_url can stand in for it)`);
  }

  switch (schema.kind) {
    case 'file': {
      const shown = displayPath(schema.path);
      try {
        const sdl = await readFile(schema.path, 'utf8');
        return { name, routingUrl, sdl, source: shown, sourceKind: 'file' };
      } catch (error) {
        return fail(`cannot read schema file ${shown}: ${describeFsError(error)}`);
      }
    }
    case 'subgraph_url':
      try {
        const sdl = await introspectSubgraph(schema.url, { timeoutMs, headers: schema.headers });
        return { name, routingUrl, sdl, source: schema.url, sourceKind: 'subgraph_url' };
      } catch (error) {
        if (!(error instanceof IntrospectionError)) throw error;
        return fail(`introspection of ${schema.url} failed: ${error.message}`);
      }
    case 'sdl':
      return {
        name,
        routingUrl,
        sdl: schema.sdl,
        source: `${displayPath(config.path)} (subgraphs.${name}.schema.sdl)`,
        sourceKind: 'sdl',
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file (ENOENT)';
    case 'EACCES':
      return 'permission denied (EACCES)';
    case 'EISDIR':
      return 'is a directory, not a file (EISDIR)';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}

/** Paths in messages: relative to the working directory when under it, else absolute. */
export function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd !== '' && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}
