import { createHash } from 'node:crypto';
import { print, type DocumentNode } from 'graphql';
import type { AuthorizationRequest, AuthorizedOperation } from '../core/authorization-hook.ts';
import type { Identity } from '../core/identity.ts';
import { parseSupergraph, type ParsedSupergraph } from '../core/supergraph.ts';
import { completeResult, type Completion } from './complete.ts';
import { filterOperation } from './filter.ts';
import { AuthorizationPolicy } from './policy.ts';
import { reportRemovals } from './removals.ts';

/**
 * The authorization hook of one supergraph. Pure and cached: the result depends only on the
 * document, the operation name and the caller's class (authenticated or not, and which of the
 * scopes the supergraph mentions it holds), so one computation serves every caller of that class.
 */

/** The hook's answer with what the filtering found (the tests read it). */
export interface FieldAuthorization extends AuthorizedOperation, Completion {}

export type FieldAuthorizer = (request: AuthorizationRequest) => FieldAuthorization | undefined;

const MAX_VARIANTS_PER_DOCUMENT = 64;
const authorizers = new WeakMap<DocumentNode, FieldAuthorizer>();

/**
 * The hook for a parsed supergraph (a FieldAuthorizer is an OperationAuthorizer); cheap to call
 * again with the same document, which gets the same hook and its cache.
 */
export function createOperationAuthorizer(source: DocumentNode | ParsedSupergraph): FieldAuthorizer {
  const supergraph = parseSupergraph(source);
  let authorize = authorizers.get(supergraph.document);
  if (authorize === undefined) {
    const policy = new AuthorizationPolicy(supergraph);
    const cache = policy.active ? new CachingAuthorizer(policy) : undefined;
    authorize = (request) =>
      cache === undefined || request.document === undefined ? undefined : cache.authorize(request.document, request.operationName, request.identity);
    authorizers.set(supergraph.document, authorize);
  }
  return authorize;
}

class CachingAuthorizer {
  private readonly results = new WeakMap<DocumentNode, Map<string, FieldAuthorization | null>>();
  private readonly classes = new WeakMap<Identity, string>();

  constructor(private readonly policy: AuthorizationPolicy) {}

  /** undefined when the caller may run the operation unchanged. */
  authorize(document: DocumentNode, operationName: string | undefined, identity: Identity | undefined): FieldAuthorization | undefined {
    const key = `${operationName ?? ''}\n${this.classOf(identity)}`;
    let variants = this.results.get(document);
    if (variants === undefined) {
      variants = new Map();
      this.results.set(document, variants);
    }
    let result = variants.get(key);
    if (result === undefined) {
      result = this.compute(document, operationName, identity);
      if (variants.size >= MAX_VARIANTS_PER_DOCUMENT) variants.clear();
      variants.set(key, result);
    }
    return result ?? undefined;
  }

  private compute(document: DocumentNode, operationName: string | undefined, identity: Identity | undefined): FieldAuthorization | null {
    const filtered = filterOperation(this.policy, document, operationName, identity);
    if (filtered === undefined) return null;
    const { errors, nullPaths } = reportRemovals(filtered.removals);
    const authorization: FieldAuthorization = {
      document: filtered.document,
      // A digest of the filtered document: callers of different classes that end up with the same
      // document share one plan.
      cacheKey: `auth:${createHash('sha256').update(print(filtered.document)).digest('base64url')}`,
      errors,
      nullPaths,
      empty: filtered.empty,
      complete: (result) => completeResult(result, authorization),
    };
    return authorization;
  }

  /** authenticated or not, plus the known scopes held, sorted: equal classes filter equally. */
  private classOf(identity: Identity | undefined): string {
    if (identity === undefined) return '-';
    let authClass = this.classes.get(identity);
    if (authClass === undefined) {
      authClass = `+${[...identity.scopes].filter((scope) => this.policy.knownScopes.has(scope)).sort().join(' ')}`;
      this.classes.set(identity, authClass);
    }
    return authClass;
  }
}
