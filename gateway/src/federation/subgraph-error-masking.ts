import type { GraphQLFormattedError } from 'graphql';

/**
 * Subgraph errors as the executors (both of them) get them: masked, capped, never choosing the
 * client's HTTP status. Applied in the data source, so `executor: tollgate` and `executor: apollo`
 * see the same errors and map their paths the same way.
 */

/** How one subgraph's errors reach clients (from `traffic_shaping.*.include_subgraph_errors` etc.). */
export interface SubgraphErrorPolicy {
  /** Pass the subgraph's message; else `Subgraph "<name>" returned an error`. */
  includeErrors: boolean;
  /** Extension keys that pass besides `code` (`http` never does). */
  allowExtensionsKeys: readonly string[];
}

/**
 * Errors kept from one subgraph response; the rest are counted in one SUBGRAPH_ERRORS_TRUNCATED
 * error. A client has no use for more than a screenful of errors from one fetch, and a subgraph
 * answering 200,000 of them must not cost the gateway 200,000 error objects (nor a log line each).
 */
export const MAX_ERRORS_PER_SUBGRAPH_RESPONSE = 100;

/** The code of a subgraph error without a plain one of its own, as @apollo/gateway and Apollo Router name it. */
export const DEFAULT_SUBGRAPH_ERROR_CODE = 'DOWNSTREAM_SERVICE_ERROR';

/** A code that is an identifier (what clients switch on), not a sentence or an object. */
const PLAIN_CODE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Paths longer than this are not response paths (the executors spread them into the client's). */
const MAX_PATH_LENGTH = 256;

/** Extension keys no allowlist lets through: subgraphs never set the client's status. */
const NEVER_PASSED = new Set(['code', 'http']);

/**
 * A code passed on as is: an identifier, and not a name every JavaScript object answers to
 * (`constructor`, `__proto__`, `toString`): the executors look codes up in plain objects.
 */
function isPlainCode(code: unknown): code is string {
  return typeof code === 'string' && PLAIN_CODE.test(code) && !(code in Object.prototype) && code !== '__proto__';
}

/**
 * The client's view of a subgraph's `errors`: at most MAX_ERRORS_PER_SUBGRAPH_RESPONSE masked
 * errors (message per policy, `extensions` = `code` + allowlisted keys, `path` kept when it is a
 * path), then one summary error if some were dropped. `serviceName` is added later by the
 * executor's downstream-error mapping.
 */
export function maskSubgraphErrors(errors: readonly unknown[], serviceName: string, policy: SubgraphErrorPolicy): GraphQLFormattedError[] {
  const kept = Math.min(errors.length, MAX_ERRORS_PER_SUBGRAPH_RESPONSE);
  const masked: GraphQLFormattedError[] = [];
  for (let i = 0; i < kept; i++) masked.push(maskError(errors[i], serviceName, policy));
  if (errors.length > kept) {
    masked.push({
      message: `Subgraph "${serviceName}" returned ${errors.length} errors; the first ${kept} are kept`,
      extensions: { code: 'SUBGRAPH_ERRORS_TRUNCATED', droppedErrors: errors.length - kept },
    });
  }
  return masked;
}

function maskError(error: unknown, serviceName: string, policy: SubgraphErrorPolicy): GraphQLFormattedError {
  const source = isRecord(error) ? error : EMPTY;
  const original = isRecord(source['extensions']) ? source['extensions'] : undefined;
  const code = original?.['code'];
  const extensions: Record<string, unknown> = { code: isPlainCode(code) ? code : DEFAULT_SUBGRAPH_ERROR_CODE };
  if (original) {
    for (const key of policy.allowExtensionsKeys) {
      if (!NEVER_PASSED.has(key) && Object.prototype.hasOwnProperty.call(original, key)) extensions[key] = original[key];
    }
  }
  const text = source['message'];
  const message = policy.includeErrors && typeof text === 'string' && text !== '' ? text : `Subgraph "${serviceName}" returned an error`;
  const path = source['path'];
  return isResponsePath(path) ? { message, path, extensions } : { message, extensions };
}

const EMPTY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isResponsePath(value: unknown): value is Array<string | number> {
  if (!Array.isArray(value) || value.length > MAX_PATH_LENGTH) return false;
  for (const segment of value) if (typeof segment !== 'string' && typeof segment !== 'number') return false;
  return true;
}
