import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { requestIdFor } from '../telemetry/request-id.ts';
import { GatewayError, InternalError, NotReadyError } from './errors.ts';
import { executeGraphQL } from './execute.ts';
import { readGraphQLRequest } from './read-request.ts';
import type { RequestContext } from './request-context.ts';
import { writeGatewayError, writeGraphQLResponse } from './respond.ts';

export interface PipelineDeps {
  config: GatewayConfig;
  logger: Logger;
  /** Undefined until the supergraph is loaded; requests meanwhile get 503. */
  apollo: ApolloServer<RequestContext> | undefined;
}

/**
 * The stage list: every GraphQL request flows down these stages once, in this order.
 * A stage either hands a typed value to the next or throws a GatewayError that stage 7 renders.
 *   1 http       method, media type, body size, JSON          read-request.ts
 *   2 identify   JWT / API key → Identity                     (issue #4)
 *   3 client     client profile                               (issue #4/#5)
 *   4 document   parse, validate, limits                      Apollo Server (parser_max_tokens)
 *   5 admit      cost + rate quota                            (issue #5)
 *   6 plan+run   @apollo/gateway executor                     execute.ts
 *   7 respond    headers, access log                          respond.ts
 */
export async function handleGraphQLRequest(req: IncomingMessage, res: ServerResponse, deps: PipelineDeps): Promise<void> {
  const startedAt = performance.now();
  const requestIdHeader = deps.config.telemetry.request_id_header;
  const requestId = requestIdFor(req.headers, requestIdHeader);
  const responseHeaders = { [requestIdHeader]: requestId };
  try {
    const request = await readGraphQLRequest(req, deps.config.limits);
    if (!deps.apollo) throw new NotReadyError();
    const context: RequestContext = {
      requestId,
      incomingHeaders: req.headers,
      subgraphHeaders: { [requestIdHeader]: requestId },
    };
    const response = await executeGraphQL(deps.apollo, request, req.headers, context);
    await writeGraphQLResponse(res, response, responseHeaders);
  } catch (error) {
    renderFailure(res, req, error, responseHeaders, deps.logger, requestId);
  } finally {
    if (deps.config.telemetry.logging.access_log) {
      deps.logger.info(
        {
          requestId,
          method: req.method,
          path: req.url?.split('?', 1)[0],
          status: res.statusCode,
          durationMs: Math.round((performance.now() - startedAt) * 100) / 100,
        },
        'request',
      );
    }
  }
}

function renderFailure(
  res: ServerResponse,
  req: IncomingMessage,
  error: unknown,
  responseHeaders: Record<string, string>,
  logger: Logger,
  requestId: string,
): void {
  let gatewayError: GatewayError;
  if (error instanceof GatewayError) {
    gatewayError = error;
  } else {
    logger.error({ err: error, requestId }, 'unexpected error while handling a request');
    gatewayError = new InternalError();
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  writeGatewayError(res, gatewayError, req.headers.accept, responseHeaders);
}
