// The one contract between field-level authorization (authorization/) and the executors
// (federation/): types only, so each side depends on core/ and never on the other.
import type { GatewayExecutionResult } from '@apollo/server-gateway-interface';
import type { DocumentNode } from 'graphql';
import type { Identity } from './identity.ts';

/** The slice of a request the authorizer reads. */
export interface AuthorizationRequest {
  readonly document: DocumentNode | undefined;
  /** The operation Apollo Server resolved; undefined: the document's only operation. */
  readonly operationName: string | undefined;
  /** The verified caller; undefined when anonymous. */
  readonly identity: Identity | undefined;
}

/** An operation some of whose fields this caller may not see, rewritten to plan without them. */
export interface AuthorizedOperation {
  /** The document to plan and run instead of the request's. */
  readonly document: DocumentNode;
  /** Identifies `document` among cached plans (equal documents, equal keys). */
  readonly cacheKey: string;
  /**
   * The client's response from the executor's: removed fields back as null (with null
   * propagation), the placeholder of an emptied operation dropped, and the FORBIDDEN errors
   * appended after the executor's own.
   */
  complete(result: GatewayExecutionResult): GatewayExecutionResult;
}

/** Runs before planning in both executors; undefined runs the request's document unchanged. */
export type OperationAuthorizer = (request: AuthorizationRequest) => AuthorizedOperation | undefined;
