import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { FetchCacheHook, RequestCache } from '../../core/fetch-cache.ts';
import type { RequestContext } from '../../core/request-context.ts';
import type { FetchStep } from './compile-plan.ts';
import type { FetchBatcher } from './batching/fetch-batcher.ts';
import { hasOwn, type JsonObject } from './merge.ts';
import type { TypeConditions } from './type-conditions.ts';

/** One request's run of a compiled plan: its variables, where errors go, the response tree. */
export interface PlanRun {
  readonly requestContext: GatewayGraphQLRequestContext;
  readonly variables: Record<string, unknown> | undefined;
  readonly types: TypeConditions;
  /** Fetch failures and subgraph errors, in the order they happened. */
  readonly errors: unknown[];
  /** Set when the plan has entity fetches that may share a request (batching/batch-plan.ts). */
  batcher?: FetchBatcher | undefined;
  /** The edge cache of this request's query fetches; undefined: none (off, a mutation, opted out). */
  readonly cache?: RequestCache | undefined;
  /** The edge cache itself: subgraph answers listing changed entities reach it (mutations too). */
  readonly cacheHook?: FetchCacheHook | undefined;
}

/** Posts one request body for `step`'s subgraph (one HTTP request, whatever it carries). */
export async function sendBody(run: PlanRun, step: FetchStep, body: string): Promise<GatewayGraphQLResponse> {
  const context = run.requestContext.context as Partial<RequestContext>;
  const response = await (step.sender as NonNullable<FetchStep['sender']>).send(body, context.subgraph, step.operationKind);
  const cacheControl = response.http?.headers.get('cache-control');
  if (cacheControl) context.subgraphCacheControl?.seen(cacheControl);
  return response;
}

/** As @apollo/gateway: the subgraph's own error paths, for usage reporting, when it sent no ftv1 trace. */
export function recordErrorPaths(run: PlanRun, serviceName: string, errors: readonly GraphQLFormattedError[]): void {
  const paths = (run.requestContext.metrics.nonFtv1ErrorPaths ??= []);
  for (const error of errors) paths.push({ subgraph: serviceName, path: error.path as GraphQLError['path'] });
}

/** No push(...spread): an argument list has a stack-sized limit. */
export function pushAll(target: unknown[], items: readonly unknown[]): void {
  for (const item of items) target.push(item);
}

// Most fetches use no operation variable: one frozen empty object for all of them.
export const NO_VARIABLES: JsonObject = Object.freeze(Object.create(null));

/** The client's variables a fetch uses (those it was given). */
export function fetchVariables(usages: readonly string[], provided: Record<string, unknown> | undefined): JsonObject {
  if (usages.length === 0) return NO_VARIABLES;
  const variables: JsonObject = Object.create(null);
  for (const name of usages) {
    if (provided && hasOwn(provided, name) && provided[name] !== undefined) variables[name] = provided[name];
  }
  return variables;
}

/** `{"a":1,` (or `{`): variables JSON opened for more keys. */
export function openVariables(variables: JsonObject): string {
  if (variables === NO_VARIABLES) return '{';
  const json = JSON.stringify(variables);
  return json === '{}' ? '{' : `${json.slice(0, -1)},`;
}
