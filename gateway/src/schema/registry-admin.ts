// The registry's HTTP API, served on the admin listener (`admin.listen`), never on the GraphQL one:
//   GET  /registry/current             read      the current version: supergraph, subgraphs, who, when
//   GET  /registry/versions/<n>        read      any version's record
//   GET  /registry/history?limit=<n>   read      summaries, newest first (the audit log; limit 1..1000, default 50)
//   POST /registry/publish             publish   { name, routing_url, sdl, force?, note? } (force needs the force role)
//   POST /registry/rollback            rollback  { version, note? }
// Every request needs `authorization: Bearer <token>` of `admin.tokens` (compared in constant time):
// 401 without or with an unknown one, 403 when the token lacks the role. Answers are JSON; every
// refusal is { error: { code, message, ... } } with a stable code and its status.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, Kind, parse, visit, type DocumentNode } from 'graphql';
import type { Logger } from 'pino';
import type { AdminConfig, AdminRole } from './config.ts';
import type { Registry } from './registry.ts';

const STATUS = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  REGISTRY_EMPTY: 404,
  VERSION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PUBLISH_CONFLICT: 409,
  CURRENT_VERSION_INVALID: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_SCHEMA: 422,
  COMPOSITION_FAILED: 422,
  BREAKING_CHANGES: 422,
  REGISTRY_UNAVAILABLE: 503,
  CACHE_UNAVAILABLE: 503,
} as const;
type AdminErrorCode = keyof typeof STATUS;

class AdminError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const SUBGRAPH_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_NOTE = 200;
const MAX_HISTORY = 1000;
/**
 * Most GraphQL tokens in one published schema (graphql-js `maxTokens`): composing runs on the
 * admin instance's event loop, and a schema built to make it slow (tens of thousands of chained
 * types) blocked one for 40 s. Large real subgraphs hold a few tens of thousands.
 */
const MAX_SCHEMA_TOKENS = 100_000;

interface Token {
  name: string;
  digest: Buffer;
  roles: ReadonlySet<AdminRole>;
  /** The subgraphs it may publish; undefined: any. */
  subgraphs: ReadonlySet<string> | undefined;
}

/**
 * A POST endpoint of another part served on the admin listener with the same tokens (the edge
 * cache's /cache/invalidate): `run` gets the JSON body and the token's name; a TypeError it throws
 * is the caller's mistake (400 BAD_REQUEST, its message), anything else 503 `unavailable`.
 */
export interface AdminPostRoute {
  role: AdminRole;
  unavailable: 'CACHE_UNAVAILABLE';
  run(body: unknown, identity: string): Promise<unknown>;
}

export function registryAdminHandler(
  config: AdminConfig,
  registry: Registry,
  logger: Logger,
  extra: Readonly<Record<string, AdminPostRoute>> = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // Digests of equal length, so the comparison takes the same time whatever the token's length.
  const tokens: Token[] = config.tokens.map(({ name, token, roles, subgraphs }) => ({
    name,
    digest: digest(token),
    roles: new Set(roles),
    subgraphs: subgraphs && new Set(subgraphs),
  }));
  // Who first, for every path: without a valid token nothing about the listener is told.
  const identify = (req: IncomingMessage): Token => {
    const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
    if (match === null) throw new AdminError('UNAUTHENTICATED', 'send the admin token as "authorization: Bearer <token>"');
    const given = digest(match[1] as string);
    let found: Token | undefined;
    for (const token of tokens) if (timingSafeEqual(token.digest, given)) found = token; // no early exit
    if (found === undefined) throw new AdminError('UNAUTHENTICATED', 'unknown admin token');
    return found;
  };

  return async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://admin');
      const token = identify(req);
      const other = extra[url.pathname];
      const route = other ? postRoute(req.method ?? 'GET', url.pathname, other) : routeOf(req.method ?? 'GET', url.pathname);
      if (!token.roles.has(route.role)) throw new AdminError('FORBIDDEN', `token "${token.name}" lacks the ${route.role} role`);
      let answer: unknown;
      try {
        answer = await route.run({ req, url, token, config, registry, logger });
      } catch (error) {
        if (error instanceof AdminError) throw error;
        logger.error({ err: error }, 'registry: request failed');
        throw new AdminError('REGISTRY_UNAVAILABLE', 'the registry could not be read or written (Redis); nothing was changed unless a version number was returned');
      }
      send(res, 200, answer);
    } catch (error) {
      if (!(error instanceof AdminError)) throw error;
      if (error.code === 'UNAUTHENTICATED') res.setHeader('www-authenticate', 'Bearer');
      send(res, STATUS[error.code], { error: { code: error.code, message: error.message, ...error.details } });
    }
  };
}

interface RouteContext {
  req: IncomingMessage;
  url: URL;
  token: Token;
  config: AdminConfig;
  registry: Registry;
  logger: Logger;
}

interface Route {
  role: AdminRole;
  run(context: RouteContext): Promise<unknown>;
}

function postRoute(method: string, path: string, route: AdminPostRoute): Route {
  if (method !== 'POST') throw new AdminError('METHOD_NOT_ALLOWED', `${path} takes POST`);
  return {
    role: route.role,
    async run({ req, config, token }) {
      const body = await readJson(req, config.max_body_bytes);
      try {
        return await route.run(body, token.name);
      } catch (error) {
        if (error instanceof TypeError) throw new AdminError('BAD_REQUEST', error.message);
        throw new AdminError(route.unavailable, `${path} failed (Redis); it may have reached some instances: try again`);
      }
    },
  };
}

function routeOf(method: string, path: string): Route {
  const versionMatch = /^\/registry\/versions\/(\d{1,15})$/.exec(path);
  const routes: Record<string, Partial<Record<string, Route>>> = {
    '/registry/current': { GET: { role: 'read', run: current } },
    '/registry/history': { GET: { role: 'read', run: history } },
    '/registry/publish': { POST: { role: 'publish', run: publish } },
    '/registry/rollback': { POST: { role: 'rollback', run: rollback } },
  };
  const byMethod = versionMatch ? { GET: { role: 'read' as const, run: (c: RouteContext) => version(c, Number(versionMatch[1])) } } : routes[path];
  if (byMethod === undefined) throw new AdminError('NOT_FOUND', `no registry endpoint at ${path}`);
  const route = byMethod[method];
  if (route === undefined) throw new AdminError('METHOD_NOT_ALLOWED', `${path} takes ${Object.keys(byMethod).join(', ')}`);
  return route;
}

async function current({ registry }: RouteContext) {
  const record = await registry.current();
  if (record === undefined) throw new AdminError('REGISTRY_EMPTY', 'nothing has been published yet');
  return record;
}

async function version({ registry }: RouteContext, number: number) {
  const record = await registry.version(number);
  if (record === undefined) throw new AdminError('VERSION_NOT_FOUND', `there is no version ${number}`);
  return record;
}

async function history({ registry, url }: RouteContext) {
  const text = url.searchParams.get('limit') ?? '50';
  const limit = Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY) throw new AdminError('BAD_REQUEST', `limit: expected a whole number from 1 to ${MAX_HISTORY}, got "${text}"`);
  return { versions: await registry.history(limit) };
}

async function publish({ req, token, config, registry, logger }: RouteContext) {
  const body = await readJson(req, config.max_body_bytes);
  const name = field(body, 'name', 'string');
  if (!SUBGRAPH_NAME.test(name)) throw new AdminError('BAD_REQUEST', 'name: expected a letter, then up to 63 letters, digits, "_" or "-"');
  const routingUrl = field(body, 'routing_url', 'string');
  checkRoutingUrl(routingUrl);
  const sdl = field(body, 'sdl', 'string');
  if (sdl.trim() === '') throw new AdminError('BAD_REQUEST', 'sdl: empty');
  const document = parseSchema(sdl);
  const force = optionalField(body, 'force', 'boolean') ?? false;
  const note = noteOf(body);
  if (token.subgraphs && !token.subgraphs.has(name)) {
    throw new AdminError('FORBIDDEN', `token "${token.name}" may publish only ${[...token.subgraphs].join(', ')}, not ${name}`);
  }
  if (token.subgraphs) {
    // @override(from:) moves a field from another subgraph to this one: a team's token may take
    // fields only from the subgraphs it may publish itself.
    const taken = overriddenSubgraphs(document).filter((from) => from !== name && !token.subgraphs!.has(from));
    if (taken.length > 0) throw new AdminError('FORBIDDEN', `token "${token.name}" may not take fields from ${taken.join(', ')} with @override`);
  }
  if (force && !token.roles.has('force')) throw new AdminError('FORBIDDEN', `token "${token.name}" lacks the force role: a forced publish needs it`);
  const outcome = await registry.publish({ subgraph: { name, routingUrl, sdl }, force, identity: token.name, ...(note ? { note } : {}) });
  switch (outcome.status) {
    case 'composition_failed':
      throw new AdminError('COMPOSITION_FAILED', `subgraph ${name} does not compose with the registry's other subgraphs; nothing was published`, { errors: outcome.errors });
    case 'breaking':
      throw new AdminError('BREAKING_CHANGES', `subgraph ${name} makes ${outcome.report.breaking} breaking changes; nothing was published (publish with force to accept them)`, {
        changes: outcome.changes,
      });
    case 'conflict':
      throw new AdminError('PUBLISH_CONFLICT', `other publishes kept coming first (${outcome.attempts} attempts); nothing was published: try again`);
    case 'current_invalid':
      throw new AdminError('CURRENT_VERSION_INVALID', `the current version ${outcome.version} is ${outcome.reason}; roll back to a good version first; nothing was published`);
    case 'unchanged':
      return { status: 'unchanged', version: outcome.version, hash: outcome.hash };
    case 'published':
      logger.info({ version: outcome.version, subgraph: name, identity: token.name, forced: outcome.forced, hash: outcome.hash }, 'registry: subgraph published');
      return { status: 'published', version: outcome.version, hash: outcome.hash, forced: outcome.forced, changes: outcome.report?.changes ?? [] };
  }
}

async function rollback({ req, token, config, registry, logger }: RouteContext) {
  const body = await readJson(req, config.max_body_bytes);
  const to = field(body, 'version', 'number');
  if (!Number.isSafeInteger(to) || to < 1) throw new AdminError('BAD_REQUEST', 'version: expected a version number');
  const note = noteOf(body);
  const outcome = await registry.rollback(to, token.name, note);
  if (outcome.status === 'not_found') throw new AdminError('VERSION_NOT_FOUND', `there is no version ${to}`);
  if (outcome.status === 'conflict') throw new AdminError('PUBLISH_CONFLICT', `other publishes kept coming first (${outcome.attempts} attempts); nothing was written: try again`);
  logger.info({ version: outcome.version, rolledBackTo: to, identity: token.name, hash: outcome.hash }, 'registry: rolled back');
  return { status: 'rolled_back', version: outcome.version, hash: outcome.hash, rolledBackTo: to };
}

function noteOf(body: Record<string, unknown>): string | undefined {
  const note = optionalField(body, 'note', 'string');
  if (note !== undefined && note.length > MAX_NOTE) throw new AdminError('BAD_REQUEST', `note: at most ${MAX_NOTE} characters`);
  return note;
}

function field<T extends 'string' | 'number'>(body: Record<string, unknown>, key: string, type: T): T extends 'string' ? string : number {
  const value = body[key];
  if (typeof value !== type) throw new AdminError('BAD_REQUEST', `${key}: expected a ${type}`);
  return value as never;
}

function optionalField<T extends 'string' | 'boolean'>(body: Record<string, unknown>, key: string, type: T): (T extends 'string' ? string : boolean) | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== type) throw new AdminError('BAD_REQUEST', `${key}: expected a ${type}`);
  return value as never;
}

/** The body as a JSON object, at most `max` bytes (counted while it arrives: a liar's content-length does not matter). */
async function readJson(req: IncomingMessage, max: number): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new AdminError('UNSUPPORTED_MEDIA_TYPE', 'send content-type: application/json');
  if (Number(req.headers['content-length'] ?? 0) > max) throw new AdminError('PAYLOAD_TOO_LARGE', `the body is over admin.max_body_bytes (${max})`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new AdminError('PAYLOAD_TOO_LARGE', `the body is over admin.max_body_bytes (${max})`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new AdminError('BAD_REQUEST', `the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AdminError('BAD_REQUEST', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function checkRoutingUrl(text: string): void {
  let url: URL | undefined;
  try {
    url = /\s/.test(text) ? undefined : new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new AdminError('BAD_REQUEST', 'routing_url: expected an http:// or https:// URL');
  // Every reader of the registry sees routing URLs (`registry show`): no secrets in them.
  if (url.username !== '' || url.password !== '') throw new AdminError('BAD_REQUEST', 'routing_url: no user or password in the URL (every registry reader sees it); give the subgraph its credentials with headers');
}

/** The SDL parsed, bounded in tokens; 422 INVALID_SCHEMA when it is not GraphQL or too large. */
function parseSchema(sdl: string): DocumentNode {
  try {
    return parse(sdl, { noLocation: true, maxTokens: MAX_SCHEMA_TOKENS });
  } catch (error) {
    // A RangeError is a nesting too deep for the parser's stack.
    if (error instanceof GraphQLError || error instanceof RangeError) {
      throw new AdminError('INVALID_SCHEMA', `sdl: not a usable GraphQL schema: ${error instanceof GraphQLError ? error.message : 'nested too deeply'}`);
    }
    throw error;
  }
}

/** The subgraphs named by the schema's @override(from:) directives. */
function overriddenSubgraphs(document: DocumentNode): string[] {
  const from: string[] = [];
  visit(document, {
    Directive(node) {
      if (!/(^|__)override$/.test(node.name.value)) return;
      const argument = node.arguments?.find((a) => a.name.value === 'from');
      if (argument?.value.kind === Kind.STRING) from.push(argument.value.value);
    },
  });
  return from;
}
