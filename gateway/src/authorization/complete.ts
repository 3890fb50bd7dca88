import type { GatewayExecutionResult } from '@apollo/server-gateway-interface';
import type { GraphQLError } from 'graphql';
import { PLACEHOLDER_ALIAS } from './filter.ts';

/** What completing a filtered operation's response needs to know of the filtering. */
export interface Completion {
  /** Paths that must read null (null propagation applied); [] is `data` itself. */
  readonly nullPaths: ReadonlyArray<ReadonlyArray<string>>;
  /** Every root field was removed: `data` holds only the placeholder. */
  readonly empty: boolean;
  /** One FORBIDDEN error per removed field or fragment. */
  readonly errors: readonly GraphQLError[];
}

/**
 * The client's response from the executor's: the client sees every field it asked for (removed
 * ones as null, as Apollo Router answers) and the FORBIDDEN errors after the executor's own.
 */
export function completeResult(result: GatewayExecutionResult, completion: Completion): GatewayExecutionResult {
  let completed = result;
  if (result.data !== undefined) completed = { ...completed, data: fillUnauthorizedNulls(result.data, completion) };
  if (completion.errors.length > 0) completed = { ...completed, errors: [...(completed.errors ?? []), ...completion.errors] };
  return completed;
}

/**
 * Writes the nulls of `nullPaths` into `data` (in place) and drops the placeholder of an emptied
 * operation. Returns the data to send: null when propagation reaches the root.
 */
export function fillUnauthorizedNulls(
  data: Record<string, unknown> | null | undefined,
  completion: Pick<Completion, 'nullPaths' | 'empty'>,
): Record<string, unknown> | null {
  if (data === null || data === undefined) return null;
  if (completion.empty) delete data[PLACEHOLDER_ALIAS];
  for (const path of completion.nullPaths) {
    if (path.length === 0) return null;
    setNull(data, path, 0);
  }
  return data;
}

function setNull(node: unknown, path: readonly string[], index: number): void {
  if (node === null || typeof node !== 'object') return;
  const key = path[index] as string;
  const last = index === path.length - 1;
  if (key === '@') {
    if (!Array.isArray(node)) return;
    for (let i = 0; i < node.length; i++) {
      if (last) node[i] = null;
      else setNull(node[i], path, index + 1);
    }
    return;
  }
  const object = node as Record<string, unknown>;
  if (last) object[key] = null;
  else setNull(object[key], path, index + 1);
}
