import type { GatewayExecutionResult, GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { DocumentNode, GraphQLError } from 'graphql';

/** What an authorizer hands back: the document to run instead, its errors, its plan-cache key. */
export interface AuthorizedOperation {
  document: DocumentNode;
  errors: GraphQLError[];
  /** Identifies `document` (with the request's operation name) among cached plans. */
  cacheKey: string;
  /**
   * Optional: rewrites the `data` the filtered document produced (e.g. puts removed fields back
   * as null). Called only when the response has `data`, before the errors are appended.
   */
  completeData?: (data: Record<string, unknown> | null) => Record<string, unknown> | null;
}

/**
 * Field-level authorization hook, run before planning by both executors; `undefined` runs the
 * request's own document unchanged.
 */
export type OperationAuthorizer = (requestContext: GatewayGraphQLRequestContext) => AuthorizedOperation | undefined;

/** The response of an authorized document: its data completed, the authorizer's errors after the executor's. */
export function completeAuthorized(result: GatewayExecutionResult, authorized: AuthorizedOperation | undefined): GatewayExecutionResult {
  if (!authorized) return result;
  let completed = result;
  if (authorized.completeData && result.data !== undefined) completed = { ...completed, data: authorized.completeData(result.data) };
  if (authorized.errors.length > 0) completed = { ...completed, errors: [...(completed.errors ?? []), ...authorized.errors] };
  return completed;
}
