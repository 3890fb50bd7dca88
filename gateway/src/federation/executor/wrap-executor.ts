import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { GraphQLError } from 'graphql';

/** A gateway whose executor is wrapped by `wrap` (decorators for either executor). */
export function wrapExecutor(gateway: GatewayInterface, wrap: (executor: GatewayExecutor) => GatewayExecutor): GatewayInterface {
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const loaded = await gateway.load(options);
      return loaded.executor ? { ...loaded, executor: wrap(loaded.executor) } : loaded;
    },
  };
}

/**
 * Apollo Server hands a document whose operation it could not resolve (unknown operationName, or
 * several operations and no name) to the gateway, whose executors fail it with a 500. It is the
 * client's mistake: answer 400 OPERATION_RESOLUTION_FAILURE, as Apollo Server does without a gateway.
 */
export function requireResolvedOperation(gateway: GatewayInterface): GatewayInterface {
  return wrapExecutor(gateway, (executor) => async (requestContext) => {
    if (!requestContext.operation) {
      const name = requestContext.request.operationName;
      throw new GraphQLError(
        name ? `Unknown operation named "${name}".` : 'Must provide operation name if query contains multiple operations.',
        { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } },
      );
    }
    return executor(requestContext);
  });
}
