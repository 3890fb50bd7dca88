import { Pool, type Dispatcher } from 'undici';
import { GraphQLError } from 'graphql';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { Logger } from 'pino';
import type { SubgraphTraffic } from './config.ts';
import { MAX_ERRORS_PER_SUBGRAPH_RESPONSE, maskSubgraphErrors } from './subgraph-error-masking.ts';
import type { SubgraphRequest } from '../core/request-context.ts';

/**
 * Sends one query-plan fetch to one subgraph over a pooled keep-alive connection (undici Pool).
 * Replaces Apollo's RemoteGraphQLDataSource, which builds a node-fetch Request per call.
 * Network failures become GraphQL errors with stable codes and no hostnames in the message. The
 * body is read up to `traffic.maxResponseBytes` (counted per chunk; over it the fetch is cut off),
 * and the subgraph's own errors are masked here, before either executor sees them: the unmasked
 * ones go to the log with the request id.
 */
export class SubgraphDataSource implements GraphQLDataSource<{ subgraph?: SubgraphRequest }> {
  private readonly path: string;

  constructor(
    readonly name: string,
    url: string,
    private readonly pool: Pool,
    private readonly traffic: SubgraphTraffic,
    private readonly logger: Logger,
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
      text = await this.readBody(response, controller);
    } catch (error) {
      throw error instanceof GraphQLError ? error : this.fetchError(error);
    } finally {
      clearTimeout(timer);
    }
    return this.parseResponse(status, contentType, text, request);
  }

  /**
   * The body as text, refused as soon as it is over `maxResponseBytes` (a declared length over it
   * is refused before reading): the request is aborted, which closes the connection, and the
   * chunks read so far are dropped.
   */
  private readBody(response: Dispatcher.ResponseData, controller: AbortController): Promise<string> {
    const limit = this.traffic.maxResponseBytes;
    const { body } = response;
    return new Promise<string>((resolve, reject) => {
      let chunks: Buffer[] = [];
      let size = 0;
      const tooLarge = () => {
        chunks = [];
        body.off('data', onData);
        body.on('error', ignore);
        controller.abort(new DOMException('subgraph response too large', 'AbortError'));
        body.destroy();
        reject(this.error(`Subgraph "${this.name}" sent a response larger than ${limit} bytes`, 'SUBGRAPH_RESPONSE_TOO_LARGE'));
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) tooLarge();
        else chunks.push(chunk);
      };
      const declared = Number(response.headers['content-length']);
      if (declared > limit) {
        tooLarge();
        return;
      }
      body.on('data', onData);
      body.once('error', reject);
      body.once('end', () => {
        if (size > limit) return;
        resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
      });
    });
  }

  private parseResponse(status: number, contentType: string, text: string, request: SubgraphRequest | undefined): GatewayGraphQLResponse {
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
    if (isGraphQLResponse(parsed)) return parsed.errors === undefined ? parsed : this.withMaskedErrors(parsed, request);
    if (status < 200 || status > 299) {
      throw this.error(`Subgraph "${this.name}" answered HTTP ${status}`, 'SUBGRAPH_HTTP_ERROR', { status });
    }
    throw this.error(`Subgraph "${this.name}" sent a response that is not a GraphQL response`, 'SUBGRAPH_BAD_RESPONSE');
  }

  /** The response with its errors masked and capped; the unmasked ones (capped too) logged at warn. */
  private withMaskedErrors(response: GatewayGraphQLResponse, request: SubgraphRequest | undefined): GatewayGraphQLResponse {
    const errors: unknown = response.errors;
    if (!Array.isArray(errors)) {
      throw this.error(`Subgraph "${this.name}" sent a response that is not a GraphQL response`, 'SUBGRAPH_BAD_RESPONSE');
    }
    if (errors.length === 0) return response;
    this.logger.warn(
      {
        requestId: request?.requestId,
        serviceName: this.name,
        errorCount: errors.length,
        errors: errors.length > MAX_ERRORS_PER_SUBGRAPH_RESPONSE ? errors.slice(0, MAX_ERRORS_PER_SUBGRAPH_RESPONSE) : errors,
      },
      'subgraph returned errors',
    );
    return { ...response, errors: maskSubgraphErrors(errors, this.name, this.traffic) };
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

function ignore(): void {}

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
