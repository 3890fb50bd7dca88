import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';

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
