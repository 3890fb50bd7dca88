import type { ResponsePath } from '@apollo/query-planner';
import { hasOwn, type JsonObject } from './merge.ts';

// Walking the response tree along a plan's Flatten path ("users.@.reviews.@.product"), with the
// semantics of @apollo/gateway's flattenResultsAtPath and generateHydratedPaths.

/** The values at `path` below `value`: a list per `@`, nulls kept (the fetch drops them). */
export function valuesAtPath(value: unknown, path: ResponsePath, at = 0): unknown {
  if (at === path.length) return value;
  if (value === undefined || value === null) return value;
  const current = path[at];
  if (current === '@') {
    // Same TypeError as Apollo's `value.flatMap(...)` when a subgraph sent a non-list here.
    if (!Array.isArray(value)) return (value as unknown[]).flatMap(() => []);
    const out: unknown[] = [];
    for (const element of value) {
      const inner = valuesAtPath(element, path, at + 1);
      if (Array.isArray(inner)) for (const item of inner) out.push(item);
      else out.push(inner);
    }
    return out;
  }
  if (typeof current !== 'string') throw new Error(`Unexpected ${typeof current} found in path`);
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${current}`);
  return valuesAtPath(hasOwn(value as object, current) ? (value as JsonObject)[current] : undefined, path, at + 1);
}

/** The concrete response path (list indexes filled in) of every non-null value at `path`. */
export function concretePaths(path: ResponsePath, data: unknown): ResponsePath[] {
  const result: ResponsePath[] = [];
  walk([], path, 0, data, result);
  return result;
}

function walk(parent: ResponsePath, path: ResponsePath, at: number, data: unknown, result: ResponsePath[]): void {
  if (data === null || data === undefined) return;
  const head = path[at];
  if (head === undefined) {
    result.push(parent.slice());
  } else if (head === '@') {
    if (!Array.isArray(data)) throw new Error('expected array when encountering `@`');
    data.forEach((value, i) => {
      parent.push(i);
      walk(parent, path, at + 1, value, result);
      parent.pop();
    });
  } else if (typeof head === 'string') {
    if (Array.isArray(data)) {
      data.forEach((value, i) => {
        parent.push(i);
        walk(parent, path, at, value, result);
        parent.pop();
      });
    } else if (hasOwn(data as object, head)) {
      parent.push(head);
      walk(parent, path, at + 1, (data as JsonObject)[head], result);
      parent.pop();
    }
  } else {
    throw new Error(`unknown path part "${head}"`);
  }
}
