import type { GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { getOperationAST } from 'graphql';
import type { AuthorizedOperation, OperationAuthorizer } from '../../core/authorization-hook.ts';
import type { RequestContext } from '../../core/request-context.ts';
import { wrapExecutor } from './wrap-executor.ts';

/**
 * The authorization hook for the stock executor (`executor: apollo`): ApolloGateway plans the
 * authorized document under a query hash of its own, and the authorizer completes the response,
 * as Tollgate's executor does it.
 */
export function authorizingGateway(gateway: GatewayInterface, authorize: OperationAuthorizer): GatewayInterface {
  return wrapExecutor(gateway, (executor) => async (requestContext) => {
    const authorized = authorizeRequest(authorize, requestContext);
    if (!authorized) return executor(requestContext);
    const operation = getOperationAST(authorized.document, requestContext.request.operationName) ?? requestContext.operation;
    const swapped: GatewayGraphQLRequestContext = {
      ...requestContext,
      document: authorized.document,
      operation,
      queryHash: `authorized:${authorized.cacheKey}`,
    };
    return authorized.complete(await executor(swapped));
  });
}

/** Runs the hook (if any) on the slice of the request it reads; both executors call it. */
export function authorizeRequest(
  authorize: OperationAuthorizer | undefined,
  requestContext: GatewayGraphQLRequestContext,
): AuthorizedOperation | undefined {
  if (authorize === undefined) return undefined;
  // Apollo Server's contextValue is our RequestContext: stage 2's verified identity.
  const { identity } = requestContext.context as Partial<RequestContext>;
  return authorize({
    document: requestContext.document,
    operationName: requestContext.operationName ?? requestContext.request.operationName ?? undefined,
    identity,
  });
}
