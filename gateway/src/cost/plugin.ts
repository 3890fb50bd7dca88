import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { RequestContext } from '../core/request-context.ts';

// One listener for every request: nothing is allocated per request unless it carries a cost.
const listener: GraphQLRequestListener<RequestContext> = {
  async willSendResponse({ contextValue, response }) {
    const cost = contextValue.cost;
    if (cost === undefined) return;
    if (response.body.kind !== 'single') {
      cost.keepEstimate(); // @defer: the rest of the response is still to come
      return;
    }
    // The result object before serialization: the actual cost is read from it, no JSON re-parse.
    const result = response.body.singleResult;
    const extension = cost.settle(result.data);
    if (extension) result.extensions = { ...result.extensions, cost: extension };
  },
};

/**
 * After execution (the end of stages 4–5's cost work): the actual cost from the response data,
 * the unused estimate refunded to the cost budget, and `extensions.cost` when
 * `demand_control.cost_extensions` is on. Requests that never reach Apollo's request pipeline are
 * settled by the stage list itself (pipeline.ts).
 */
export function costPlugin(): ApolloServerPlugin<RequestContext> {
  return { requestDidStart: async () => listener };
}
