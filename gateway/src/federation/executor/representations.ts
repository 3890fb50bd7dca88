import type { QueryPlanSelectionNode } from '@apollo/query-planner';
import { deepMerge, hasOwn, type JsonObject } from './merge.ts';
import type { TypeConditions } from './type-conditions.ts';

/**
 * Builds an entity representation from a response object and a fetch's `requires` selection,
 * exactly as @apollo/gateway's executeSelectionSet: null when a required field is missing.
 */
export function selectRepresentation(
  types: TypeConditions,
  source: JsonObject | null,
  selections: readonly QueryPlanSelectionNode[],
): JsonObject | null {
  if (source === null) return null;
  // A plain object (Object.create(null) is a slow dictionary in V8); defineOwn in deepMerge keeps
  // prototype-named keys own, so the serialized representation is the same.
  const result: JsonObject = {};
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const responseName = selection.alias ?? selection.name;
      const nested = selection.selections;
      if (!hasOwn(source, responseName) || source[responseName] === undefined) return null;
      const value = source[responseName];
      if (Array.isArray(value)) {
        result[responseName] = value.map((item) => (nested ? selectRepresentation(types, item as JsonObject | null, nested) : item));
      } else if (nested) {
        result[responseName] = selectRepresentation(types, value as JsonObject | null, nested);
      } else {
        result[responseName] = value;
      }
    } else {
      if (!selection.typeCondition || !source) continue;
      if (types.isObjectOfType(source, selection.typeCondition)) {
        deepMerge(result, selectRepresentation(types, source, selection.selections));
      }
    }
  }
  return result;
}

/**
 * The common `requires` shape, `... on T { __typename key1 key2 }` with leaf fields only,
 * compiled to write the representation's JSON directly: the same text as
 * JSON.stringify(selectRepresentation(...)), without building the object first.
 */
export interface FlatRepresentation {
  typeCondition: string;
  fields: string[];
  /** `{"__typename":`, `,"upc":`, …: what precedes each field's value. */
  prefixes: string[];
}

export function flatRepresentation(selections: readonly QueryPlanSelectionNode[]): FlatRepresentation | undefined {
  const [only] = selections;
  if (selections.length !== 1 || only?.kind !== 'InlineFragment' || !only.typeCondition) return undefined;
  const fields: string[] = [];
  for (const selection of only.selections) {
    if (selection.kind !== 'Field' || selection.selections) return undefined;
    fields.push(selection.alias ?? selection.name);
  }
  // Without a __typename the representation is dropped; the general path handles that.
  if (!fields.includes('__typename') || new Set(fields).size !== fields.length) return undefined;
  return {
    typeCondition: only.typeCondition,
    fields,
    prefixes: fields.map((field, i) => `${i === 0 ? '{' : ','}${JSON.stringify(field)}:`),
  };
}

/** The representation's JSON, or undefined when the entity has none (wrong type, missing key). */
export function writeFlatRepresentation(types: TypeConditions, source: JsonObject, shape: FlatRepresentation): string | undefined {
  if (!types.isObjectOfType(source, shape.typeCondition)) return undefined;
  const { fields, prefixes } = shape;
  let json = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as string;
    const value = hasOwn(source, field) ? source[field] : undefined;
    if (value === undefined) return undefined;
    if (field === '__typename' && !value) return undefined;
    json += (prefixes[i] as string) + JSON.stringify(value);
  }
  return json + '}';
}
