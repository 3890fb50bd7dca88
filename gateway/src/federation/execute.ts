import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import type { IncomingHttpHeaders } from 'node:http';
import type { GraphQLHttpRequest } from '../http/read-request.ts';
import type { RequestContext } from '../core/request-context.ts';

/**
 * Stage 6 (plan + run): Apollo Server parses and validates (cached per document), the
 * @apollo/gateway executor plans (cached per operation) and fans out to the subgraphs.
 */
export async function executeGraphQL(
  apollo: ApolloServer<RequestContext>,
  request: GraphQLHttpRequest,
  headers: IncomingHttpHeaders,
  context: RequestContext,
): Promise<HTTPGraphQLResponse> {
  return apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: request.method, headers: toHeaderMap(headers), search: request.search, body: request.body },
    context: async () => context,
  });
}

function toHeaderMap(headers: IncomingHttpHeaders): HeaderMap {
  const map = new HeaderMap();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) map.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return map;
}
