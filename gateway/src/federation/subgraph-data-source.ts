import { Pool } from 'undici';
import { GraphQLError } from 'graphql';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { SubgraphTraffic } from './config.ts';
import type { SubgraphRequest } from '../core/request-context.ts';

/**
 * Sends one query-plan fetch to one subgraph over a pooled keep-alive connection (undici Pool).
 * Replaces Apollo's RemoteGraphQLDataSource, which builds a node-fetch Request per call.
 * Network failures become GraphQL errors with stable codes and no hostnames in the message.
 */
export class SubgraphDataSource implements GraphQLDataSource<{ subgraph?: SubgraphRequest }> {
  private readonly path: string;

  constructor(
    readonly name: string,
    url: string,
    private readonly pool: Pool,
    private readonly traffic: SubgraphTraffic,
  ) {
    const parsed = new URL(url);
    this.path = parsed.pathname + parsed.search;
  }

  async process(options: GraphQLDataSourceProcessOptions<{ subgraph?: SubgraphRequest }>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const body = JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
    });
    return this.send(body, options.context.subgraph);
  }

  /**
   * Posts an already serialized GraphQL request body: Tollgate's executor builds bodies from
   * cached pieces, Apollo's goes through process() above. Both end here. `request` is undefined
   * only for fetches made outside a client request (none today).
   */
  async send(body: string, request: SubgraphRequest | undefined): Promise<GatewayGraphQLResponse> {
    const extra = request?.headersFor(this.name);
    const headers = extra ? { ...BASE_HEADERS, ...extra } : BASE_HEADERS;
    let status: number;
    let contentType: string;
    let text: string;
    // The deadline covers the whole fetch, body included. A controller and a plain timer cost
    // half of AbortSignal.timeout, which also registers every signal for finalization.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException('subgraph deadline', 'TimeoutError')), this.traffic.timeoutMs);
    try {
      const response = await this.pool.request({ method: 'POST', path: this.path, headers, body, signal: controller.signal });
      status = response.statusCode;
      contentType = String(response.headers['content-type'] ?? '');
      text = await response.body.text();
    } catch (error) {
      throw this.fetchError(error);
    } finally {
      clearTimeout(timer);
    }
    return this.parseResponse(status, contentType, text);
  }

  private parseResponse(status: number, contentType: string, text: string): GatewayGraphQLResponse {
    const isJson = contentType.includes('json');
    let parsed: unknown;
    if (isJson) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw this.error(`Subgraph "${this.name}" sent a response that is not valid JSON`, 'SUBGRAPH_BAD_RESPONSE');
      }
    }
    // A GraphQL-over-HTTP subgraph may answer 4xx with a well-formed GraphQL body: keep its errors.
    if (isGraphQLResponse(parsed)) return parsed;
    if (status < 200 || status > 299) {
      throw this.error(`Subgraph "${this.name}" answered HTTP ${status}`, 'SUBGRAPH_HTTP_ERROR', { status });
    }
    throw this.error(`Subgraph "${this.name}" sent a response that is not a GraphQL response`, 'SUBGRAPH_BAD_RESPONSE');
  }

  private fetchError(error: unknown): GraphQLError {
    const name = (error as Error | undefined)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return this.error(
        `Subgraph "${this.name}" did not answer within ${this.traffic.timeoutMs} ms`,
        'SUBGRAPH_TIMEOUT',
      );
    }
    return this.error(`Subgraph "${this.name}" is unavailable`, 'SUBGRAPH_UNAVAILABLE', {
      cause: (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown',
    });
  }

  private error(message: string, code: string, detail: Record<string, unknown> = {}): GraphQLError {
    return new GraphQLError(message, { extensions: { code, serviceName: this.name, ...detail } });
  }
}

// Never mutated: undici reads request headers without changing them.
const BASE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  accept: 'application/json',
});

function isGraphQLResponse(value: unknown): value is GatewayGraphQLResponse {
  return typeof value === 'object' && value !== null && ('data' in value || 'errors' in value);
}

/** One keep-alive pool per subgraph origin, shared by the data sources that point at it. */
export class SubgraphPools {
  private readonly pools = new Map<string, Pool>();

  get(url: string, traffic: SubgraphTraffic): Pool {
    const origin = new URL(url).origin;
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: traffic.maxConnections, pipelining: 1, keepAliveTimeout: 30_000 });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
    this.pools.clear();
  }
}
