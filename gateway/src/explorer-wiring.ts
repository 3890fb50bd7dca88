// Wiring of the explorer (explorer/): whether it is on, which needs keys of three slices
// (`explorer`, `server.introspection`, the anonymous client profile's policy), and the routes the
// listener gets. The page's own requests are plain GraphQL POSTs through the pipeline.
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { ANONYMOUS_PROFILE, DEFAULT_PROFILE } from './clients/stage.ts';
import type { GatewayConfig } from './config/schema.ts';
import { loadExplorerAssets } from './explorer/assets.ts';
import { explorerWanted } from './explorer/config.ts';
import { Explorer, EXPLORER_PREFIX, type DemoToken } from './explorer/explorer.ts';
import type { ExplorerRoutes } from './http/server.ts';

/** What the pipeline honours of the explorer's request headers (`tollgate-expose-cost`, `-query-plan`); undefined when the explorer is off. */
export interface ExposeOptions {
  readonly cost: boolean;
  readonly queryPlan: boolean;
}

/** Why the explorer is off under `config` although `explorer.enabled` wants it; undefined: it is on (or not wanted). */
export function explorerRefusal(config: GatewayConfig): string | undefined {
  if (!config.server.introspection) return 'server.introspection is false: without the schema the explorer can show nothing';
  return undefined;
}

/** Whether a wanted explorer serves under `config`: the one predicate of start-up, its routes and its headers. */
function explorerServes(config: GatewayConfig): boolean {
  return explorerRefusal(config) === undefined;
}

/**
 * The explorer's routes, or undefined when `explorer.enabled` (default: not under NODE_ENV=production)
 * leaves it off. Missing files (never built) are logged, and the page says so: never a crash.
 * `current` is the running config: a reload that turns introspection off takes the page and its
 * files away (and liveExposeOptions the headers).
 */
export function createExplorer(
  config: GatewayConfig,
  current: () => GatewayConfig,
  logger: Logger,
  demoToken: (() => Promise<DemoToken>) | undefined,
): ExplorerRoutes | undefined {
  if (!explorerWanted(config.explorer)) return undefined;
  if (!explorerServes(config)) {
    const refusal = explorerRefusal(config);
    logger.info({ key: 'explorer.enabled' }, `explorer off: ${refusal}`);
    return undefined;
  }
  const anonymous = config.clients.profiles[ANONYMOUS_PROFILE] ?? config.clients.profiles[DEFAULT_PROFILE];
  if (anonymous?.introspection === false || anonymous?.require_authentication) {
    // The page loads the schema with the headers of its header editor: a credential there works.
    logger.info({ key: 'explorer.enabled' }, 'explorer on, but requests without a credential may not introspect (the anonymous client profile): put a token in its header editor to load the schema');
  }
  const assets = loadExplorerAssets();
  if ('missing' in assets) {
    logger.warn({ key: 'explorer.enabled', reason: assets.missing }, 'explorer files not built (run `npm run build:explorer`): browsers get a page saying so; GraphQL is served as usual');
  }
  const explorer = new Explorer({
    graphqlPath: config.server.graphql_path,
    requestIdHeader: config.telemetry.request_id_header,
    queryPlan: config.explorer.expose_query_plan,
    assets,
    demoToken,
  });
  return {
    prefix: EXPLORER_PREFIX,
    wantsPage: (req: IncomingMessage) => explorerServes(current()) && Explorer.wantsPage(req.url, req.headers),
    page: (req, res) => explorer.page(req, res),
    serve: (req, res, path) => explorerServes(current()) && explorer.serve(req, res, path),
  };
}

/**
 * The explorer's request headers the pipeline honours (the explorer being on), read from the
 * current config at each request: a reload that turns introspection off turns them off too.
 */
export function liveExposeOptions(current: () => GatewayConfig): ExposeOptions {
  return {
    get cost() {
      return explorerServes(current());
    },
    get queryPlan() {
      const config = current();
      return explorerServes(config) && config.explorer.expose_query_plan;
    },
  };
}
