import type { FetchDataRewrite } from '@apollo/query-planner';
import { defineOwn, hasOwn, type JsonObject } from './merge.ts';
import type { TypeConditions } from './type-conditions.ts';
import { REQUIRED_ALIAS_PREFIX } from './plan-corrections/requires-arguments.ts';
import { UnsupportedPlanError } from './unsupported.ts';

/** A fetch's input or output rewrites, parsed once per plan; same semantics as dataRewrites.js. */
export type CompiledRewrites = (value: unknown) => void;

type PathElement = { kind: 'field'; name: string } | { kind: 'type'; name: string };

const FRAGMENT_PREFIX = '... on ';

export function compileRewrites(rewrites: readonly FetchDataRewrite[] | undefined, types: TypeConditions): CompiledRewrites | undefined {
  if (!rewrites || rewrites.length === 0) return undefined;
  const compiled = rewrites.flatMap((rewrite) => {
    if (rewrite.path.length === 0) return [];
    const parent = rewrite.path.slice(0, -1).map(parsePathElement);
    const last = parsePathElement(rewrite.path[rewrite.path.length - 1] as string);
    // Apollo's executor fails such a fetch at run time; leave the whole plan to it.
    if (last.kind !== 'field') throw new UnsupportedPlanError(`fragment as last element of rewrite path ${rewrite.path}`);
    const field = last.name;
    // Apollo's renamer skips falsy values; a required argument set's alias (a plan correction)
    // must carry its value whatever it is: a price of 0, a null list.
    const movesAnyValue = field.startsWith(REQUIRED_ALIAS_PREFIX);
    const apply =
      rewrite.kind === 'ValueSetter'
        ? (obj: JsonObject) => {
            defineOwn(obj, field);
            obj[field] = rewrite.setValueTo;
          }
        : (obj: JsonObject) => {
            const value = hasOwn(obj, field) ? obj[field] : undefined;
            if (value || (movesAnyValue && value !== undefined)) {
              defineOwn(obj, rewrite.renameKeyTo);
              obj[rewrite.renameKeyTo] = value;
              obj[field] = undefined;
            }
          };
    return [{ parent, apply }];
  });
  return (value) => {
    for (const { parent, apply } of compiled) applyAtPath(types, parent, 0, value, apply);
  };
}

function parsePathElement(element: string): PathElement {
  return element.startsWith(FRAGMENT_PREFIX)
    ? { kind: 'type', name: element.slice(FRAGMENT_PREFIX.length) }
    : { kind: 'field', name: element };
}

function applyAtPath(types: TypeConditions, path: PathElement[], at: number, value: unknown, apply: (obj: JsonObject) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) applyAtPath(types, path, at, item, apply);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const obj = value as JsonObject;
  const element = path[at];
  if (element === undefined) {
    apply(obj);
    return;
  }
  if (element.kind === 'field') {
    applyAtPath(types, path, at + 1, hasOwn(obj, element.name) ? obj[element.name] : undefined, apply);
  } else if (types.isObjectOfType(obj, element.name, true)) {
    applyAtPath(types, path, at + 1, obj, apply);
  }
}
