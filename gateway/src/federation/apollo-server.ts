import { ApolloServer } from '@apollo/server';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import type { PersistedQueryCache } from '../document/apq-cache.ts';
import { costPlugin } from '../cost/plugin.ts';
import type { RequestContext } from '../core/request-context.ts';

export interface ApolloServerOptions {
  /** Settle costs after execution (refunds, `extensions.cost`): set when costs are computed. */
  costs?: boolean;
  /** The APQ cache stage 4 also reads, so hash-only requests are costed; default Apollo's own. */
  persistedQueries?: PersistedQueryCache | undefined;
}

/** Apollo Server over the federation gateway, with nothing that phones home and no HTML landing page. */
export function createApolloServer(
  gateway: GatewayInterface,
  config: GatewayConfig,
  logger: Logger,
  options: ApolloServerOptions = {},
): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    gateway,
    logger: logger.child({ component: 'apollo-server' }),
    introspection: config.server.introspection,
    includeStacktraceInErrorResponses: config.server.debug,
    csrfPrevention: !config.csrf.unsafe_disabled,
    parseOptions: { maxTokens: config.limits.parser_max_tokens },
    allowBatchedHttpRequests: false,
    stopOnTerminationSignals: false,
    ...(options.persistedQueries ? { persistedQueries: { cache: options.persistedQueries } } : {}),
    plugins: [
      ...(options.costs ? [costPlugin()] : []),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
    ],
  });
}
