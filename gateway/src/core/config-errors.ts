// One way to turn a config schema's complaints into lines an operator can act on: the key's full
// path, what was expected and what was found, and for an unknown key the keys allowed there.
// gateway.yaml (config/load.ts) and supergraph.yaml (schema/supergraph-config.ts) both use it.
import type { z } from 'zod';

/** A config problem that stops start-up; the message names the file and the key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** One line per problem, `a.b.c: what is wrong`, for a value `input` that failed `schema`. */
export function describeConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  schema: z.ZodType,
  options: DescribeOptions = {},
): string[] {
  return issues.flatMap((issue) => describeIssue(issue, input, schema, options));
}

export interface DescribeOptions {
  /** Keys the schema recognises only to refuse them with a better message: not shown as allowed. */
  hiddenKeys?: readonly string[];
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown, schema: z.ZodType, options: DescribeOptions): string[] {
  const at = keyPath(issue.path) || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(schema, issue.path).filter((key) => !options.hiddenKeys?.includes(key));
    const hint = allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
    return issue.keys.map((key) => `${keyPath([...issue.path, key])}: unknown key${hint}`);
  }
  if (issue.code === 'invalid_type') {
    const actual = valueAt(input, issue.path);
    if (actual === undefined) return [`${at}: required`];
    return [`${at}: expected ${describeExpected(issue.expected)}, got ${describeValue(actual)}`];
  }
  return [`${at}: ${issue.message}`];
}

/** The keys an object schema allows at `path` (walking objects, records and their wrappers). */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = unwrap(schema);
  for (const key of path) {
    if (node === undefined) return [];
    const def = node._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; valueType?: z.core.$ZodType };
    if (def.type === 'object') node = def.shape?.[String(key)];
    else if (def.type === 'record') node = def.valueType;
    else return [];
    node = node && unwrap(node);
  }
  const def = node?._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** Past `.default()`, `.prefault()`, `.optional()` and refinements to the schema that holds the keys. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let node = schema;
  for (;;) {
    const def = node._zod.def as { innerType?: z.core.$ZodType; in?: z.core.$ZodType; type: string };
    if (def.innerType) node = def.innerType;
    else if (def.type === 'pipe' && def.in) node = def.in;
    else return node;
  }
}

function describeExpected(expected: string): string {
  if (expected === 'object' || expected === 'record') return 'a mapping';
  if (expected === 'array') return 'a list';
  return `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

export function keyPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}
