// Merging subgraph results into the response tree, with exactly the semantics of
// @apollo/gateway's deepMerge (utilities/deepMerge.js): the differential test relies on it.

export type JsonObject = Record<string, unknown>;

const hasOwnProperty = Object.prototype.hasOwnProperty;

export function hasOwn(obj: object, key: string): boolean {
  return hasOwnProperty.call(obj, key);
}

export function isObject(value: unknown): value is JsonObject {
  return value !== undefined && value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Makes `key` an own property before it is written, so that a subgraph field named like an
 * Object.prototype member (`constructor`, `__proto__`) lands on the object, never its prototype.
 */
export function defineOwn(obj: JsonObject, key: string): void {
  if (!hasOwnProperty.call(obj, key) && key in obj) {
    Object.defineProperty(obj, key, { configurable: true, enumerable: true, value: undefined, writable: true });
  }
}

/** Merges `source` into `target` in place: objects recursively, same-length lists element-wise. */
export function deepMerge(target: JsonObject, source: unknown): JsonObject {
  if (source === undefined || source === null) return target;
  const from = source as JsonObject;
  for (const key of Object.keys(from)) {
    const value = from[key];
    if (value === undefined) continue;
    const existing = target[key];
    // Fast path, the common one: a key the target does not have. Nothing on Object.prototype
    // reads as undefined, so this cannot be an inherited key (those go through defineOwn).
    if (existing === undefined) {
      target[key] = value;
      continue;
    }
    if (!hasOwnProperty.call(target, key)) {
      defineOwn(target, key);
      target[key] = value;
    } else if (existing && isObject(value)) {
      deepMerge(existing as JsonObject, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        const a = existing[i];
        const b = value[i];
        if (isObject(a) && isObject(b)) deepMerge(a, b);
        else existing[i] = b;
      }
    } else {
      target[key] = value;
    }
  }
  return target;
}
