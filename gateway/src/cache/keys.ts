// The cache's keys. Every key of one type carries that type's {hash tag}, so an entity fetch's
// look-up (values and stamps) is one Redis Cluster slot:
//   <prefix>cache:{<Type>}e:<fetch>:<representation>   an entity's `_entities` item: <fetch> a digest of
//                                       subgraph, selection (the fetch's operation), variables, identity
//                                       (PRIVATE); the representation's JSON as sent (hashed when long)
//   <prefix>cache:{<Type>}i:<key JSON>  stamp: when this entity was last invalidated (ms)
//   <prefix>cache:{<Type>}t             stamp: when the whole type was last invalidated
//   <prefix>cache:{<Type>}r             stamp: when any entity of the type was last invalidated (root answers holding the type)
//   <prefix>cache:{root:<subgraph>}r:<fetch>   a root fetch's `data`
// A value is `<ms the fetch started>\n<JSON>`: it is good while newer than every stamp guarding it.
import { createHash } from 'node:crypto';
import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';

export class CacheKeys {
  readonly #prefix: string;

  constructor(keyPrefix: string) {
    this.#prefix = `${keyPrefix}cache:`;
  }

  /** `fetch`: fetchDigest's; `representation`: the JSON sent for the entity. */
  entity(type: string, fetch: string, representation: string): string {
    return `${this.#prefix}{${type}}e:${fetch}:${representation.length > MAX_PLAIN ? digest([representation]) : representation}`;
  }

  root(subgraph: string, fetch: string): string {
    return `${this.#prefix}{root:${subgraph}}r:${fetch}`;
  }

  entityStamp(type: string, id: string): string {
    // A long key JSON is hashed: keys stay short, whatever an entity's key holds.
    return `${this.#prefix}{${type}}i:${id.length > MAX_PLAIN ? digest([id]) : id}`;
  }

  typeStamp(type: string): string {
    return `${this.#prefix}{${type}}t`;
  }

  rootsStamp(type: string): string {
    return `${this.#prefix}{${type}}r`;
  }

  isStamp(key: string): boolean {
    const close = key.indexOf('}', this.#prefix.length);
    const kind = key.charCodeAt(close + 1);
    // `i:`, `t`, and `r` alone (a root answer's key is `{root:…}r:`)
    return kind === 0x69 /* i */ || kind === 0x74 /* t */ || (kind === 0x72 /* r */ && close + 2 === key.length);
  }
}

/** Longest representation (or key JSON) written into a key as it is; longer ones are hashed. */
const MAX_PLAIN = 200;

/** What identifies one fetch's answers besides the representation: subgraph, operation, variables JSON, identity. */
export function fetchDigest(subgraph: string, operation: string, variables: string, scope: string): string {
  return digest([subgraph, operation, variables, scope]);
}

function digest(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32);
}

/** JSON with object keys sorted, at every depth: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .filter((k) => record[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
    .join(',')}}`;
}

/**
 * The entity keys of each type (`@join__type(key:)` of the supergraph, every subgraph's), as the
 * top-level field names of each key: an entity's id for invalidation is the JSON of its key fields.
 */
export class EntityKeys {
  readonly #keys = new Map<string, string[][]>();

  constructor(supergraph: DocumentNode) {
    for (const definition of supergraph.definitions) {
      if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
      const keys: string[][] = [];
      for (const directive of definition.directives ?? []) {
        if (directive.name.value !== 'join__type') continue;
        const key = directive.arguments?.find((a) => a.name.value === 'key');
        if (key?.value.kind !== Kind.STRING) continue;
        const fields = topLevelFields(key.value.value);
        if (fields.length > 0 && !keys.some((k) => k.join() === fields.join())) keys.push(fields);
      }
      if (keys.length > 0) this.#keys.set(definition.name.value, keys);
    }
  }

  /** The ids (key JSON) a representation of `type` is invalidated by: one per key it holds all fields of; the whole representation when none. */
  ids(type: string, representation: Record<string, unknown>): string[] {
    const ids: string[] = [];
    for (const fields of this.#keys.get(type) ?? []) {
      if (!fields.every((f) => representation[f] !== undefined)) continue;
      ids.push(canonicalJson(Object.fromEntries(fields.map((f) => [f, representation[f]]))));
    }
    if (ids.length === 0) {
      const { __typename: _, ...rest } = representation;
      ids.push(canonicalJson(rest));
    }
    return ids;
  }
}

function topLevelFields(fieldSet: string): string[] {
  try {
    const document = parse(`{${fieldSet}}`, { noLocation: true });
    const operation = document.definitions[0];
    if (operation?.kind !== Kind.OPERATION_DEFINITION) return [];
    return names(operation.selectionSet);
  } catch {
    return [];
  }
}

function names(selectionSet: SelectionSetNode): string[] {
  return selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}
