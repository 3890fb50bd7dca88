import { ApolloServer } from '@apollo/server';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { ApolloGateway } from '@apollo/gateway';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import type { RequestContext } from './request-context.ts';

/** Apollo Server over the federation gateway, with nothing that phones home and no HTML landing page. */
export function createApolloServer(gateway: ApolloGateway, config: GatewayConfig, logger: Logger): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    // @apollo/gateway implements server-gateway-interface v1; Apollo Server 5 declares v2 of the same shape.
    gateway: gateway as unknown as GatewayInterface,
    logger: logger.child({ component: 'apollo-server' }),
    introspection: config.server.introspection,
    includeStacktraceInErrorResponses: config.server.debug,
    csrfPrevention: !config.csrf.unsafe_disabled,
    parseOptions: { maxTokens: config.limits.parser_max_tokens },
    allowBatchedHttpRequests: false,
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
    ],
  });
}
