import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import type { Authenticator } from './auth/authenticator.ts';
import type { GatewayConfig } from './config/schema.ts';
import type { DocumentStage } from './document/stage.ts';
import { CostSettlement } from './cost/settlement.ts';
import type { QuotaStage } from './quota/stage.ts';
import { requestIdFor } from './telemetry/request-id.ts';
import { GatewayError, InternalError, NotReadyError } from './core/errors.ts';
import { executeGraphQL } from './federation/execute.ts';
import { readGraphQLRequest } from './http/read-request.ts';
import type { RequestContext } from './core/request-context.ts';
import { writeGatewayError, writeGraphQLResponse } from './http/respond.ts';

export interface PipelineDeps {
  config: GatewayConfig;
  logger: Logger;
  /** Undefined until the supergraph is loaded; requests meanwhile get 503. */
  apollo: ApolloServer<RequestContext> | undefined;
  authenticator: Authenticator;
  /** Stage 4; set with the supergraph when costs or quotas need the document, else skipped. */
  document?: DocumentStage | undefined;
  /** Stage 5; undefined when `quotas.rules` is empty. */
  quotas?: QuotaStage | undefined;
}

/**
 * The stage list: every GraphQL request flows down these stages once, in this order.
 * A stage either hands a typed value to the next or throws a GatewayError that stage 7 renders.
 *   1 http       method, media type, body size, JSON          read-request.ts
 *   2 identify   JWT / API key → Identity                     auth/authenticator.ts
 *   3 client     client profile                               the identity's (API key profile; "anonymous")
 *   4 document   parse (cached), estimated cost, max cost     limits/document.ts (validation: Apollo Server)
 *   5 admit      rate + cost quotas                           quota/stage.ts
 *   6 plan+run   Tollgate's executor (or @apollo/gateway's)   execute.ts, federation/ (actual cost, refund: cost-plugin.ts)
 *   7 respond    headers, access log                          respond.ts
 */
export async function handleGraphQLRequest(req: IncomingMessage, res: ServerResponse, deps: PipelineDeps): Promise<void> {
  const startedAt = performance.now();
  const requestIdHeader = deps.config.telemetry.request_id_header;
  const requestId = requestIdFor(req.headers, requestIdHeader);
  const responseHeaders: Record<string, string> = { [requestIdHeader]: requestId };
  let cost: CostSettlement | undefined;
  try {
    const request = await readGraphQLRequest(req, deps.config.limits);
    const auth = await deps.authenticator.identify(req.headers);
    if (!deps.apollo) throw new NotReadyError();
    const operation = deps.document?.run(request);
    const estimatedCost = operation?.estimatedCost;
    const admitted = deps.quotas && (await deps.quotas.admit(req, auth.identity, operation?.operationName, estimatedCost ?? 0));
    if (admitted) Object.assign(responseHeaders, admitted.headers);
    const context: RequestContext = {
      requestId,
      incomingHeaders: req.headers,
      subgraphHeaders: { ...auth.subgraphHeaders, [requestIdHeader]: requestId },
      identity: auth.identity,
    };
    const headersFor = auth.subgraphHeadersFor;
    if (headersFor) context.subgraphHeadersFor = (name) => ({ ...headersFor(name), [requestIdHeader]: requestId });
    if (estimatedCost !== undefined && operation?.document !== undefined && deps.document?.model !== undefined) {
      const costed = { document: operation.document, operationName: operation.requestedOperationName, variables: operation.variables };
      cost = new CostSettlement(deps.document.model, costed, estimatedCost, deps.quotas?.admission, admitted, deps.document.reportsCost);
      context.cost = cost;
    }
    const response = await executeGraphQL(deps.apollo, request, req.headers, context);
    await writeGraphQLResponse(res, response, responseHeaders);
  } catch (error) {
    renderFailure(res, req, error, responseHeaders, deps.logger, requestId);
  } finally {
    // Settled by cost-plugin.ts once executed; a request Apollo refused before its request
    // pipeline (or that failed) gets its whole estimate back here.
    cost?.settle(undefined);
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
