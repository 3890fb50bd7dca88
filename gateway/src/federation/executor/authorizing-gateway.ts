import type { GatewayExecutor, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { getOperationAST } from 'graphql';
import { completeAuthorized, type OperationAuthorizer } from './authorizer.ts';

/**
 * The authorization hook for the stock executor (`executor: apollo`): ApolloGateway plans the
 * authorized document under a query hash of its own, and the authorizer's errors are appended,
 * as Tollgate's executor does it.
 */
export function authorizingGateway(gateway: GatewayInterface, authorize: OperationAuthorizer): GatewayInterface {
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const loaded = await gateway.load(options);
      const executor = loaded.executor;
      if (!executor) return loaded;
      const authorizing: GatewayExecutor = async (requestContext) => {
        const authorized = authorize(requestContext);
        if (!authorized) return executor(requestContext);
        const operation = getOperationAST(authorized.document, requestContext.request.operationName) ?? requestContext.operation;
        const swapped: GatewayGraphQLRequestContext = {
          ...requestContext,
          document: authorized.document,
          operation,
          queryHash: `authorized:${authorized.cacheKey}`,
        };
        return completeAuthorized(await executor(swapped), authorized);
      };
      return { ...loaded, executor: authorizing };
    },
  };
}
