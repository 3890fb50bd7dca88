import type { GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { getOperationAST } from 'graphql';
import { completeAuthorized, type OperationAuthorizer } from '../../authorization/hook.ts';
import { wrapExecutor } from './wrap-executor.ts';

/**
 * The authorization hook for the stock executor (`executor: apollo`): ApolloGateway plans the
 * authorized document under a query hash of its own, and the authorizer's errors are appended,
 * as Tollgate's executor does it.
 */
export function authorizingGateway(gateway: GatewayInterface, authorize: OperationAuthorizer): GatewayInterface {
  return wrapExecutor(gateway, (executor) => async (requestContext) => {
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
  });
}
