import { GraphQLError, isListType, isNonNullType, type GraphQLOutputType } from 'graphql';

/**
 * What the filter removed, as the client sees it: one FORBIDDEN error per removed field or
 * fragment at its response path (`@` stands for "every list item", as in Apollo Router), and the
 * paths that must read null in the response.
 */

/** A path segment: a response key or `@` (each list item), with whether that position may be null. */
export interface Segment {
  key: string;
  nullable: boolean;
}

export interface Removal {
  path: readonly Segment[];
  /** Reported as an error (false: a field dropped because all of its selections were). */
  reported: boolean;
  /** A field under a fragment that narrows the type: other runtime types never had it, so no null. */
  narrowed: boolean;
  /** A fragment, not a field: reported, but nothing in the response becomes null for it. */
  fragment: boolean;
}

export interface RemovalReport {
  errors: GraphQLError[];
  /** Where the response must read null (GraphQL null propagation applied); [] is `data` itself. */
  nullPaths: string[][];
}

/** Errors and null paths of a filter's removals, each once. */
export function reportRemovals(removals: readonly Removal[]): RemovalReport {
  const errors: GraphQLError[] = [];
  const reported = new Set<string>();
  const nullPaths: string[][] = [];
  const nulled = new Set<string>();
  for (const removal of removals) {
    const path = removal.path.map((segment) => segment.key);
    if (removal.reported) {
      const id = JSON.stringify(path);
      if (!reported.has(id)) {
        reported.add(id);
        errors.push(new GraphQLError('Unauthorized field or type', { path: path.length > 0 ? path : undefined, extensions: { code: 'FORBIDDEN' } }));
      }
    }
    if (removal.fragment || removal.narrowed) continue;
    const target = nullTarget(removal.path);
    const id = JSON.stringify(target);
    if (!nulled.has(id)) {
      nulled.add(id);
      nullPaths.push(target);
    }
  }
  return { errors, nullPaths };
}

/** One `@` segment per list level of a field's type, each with whether its items may be null. */
export function listSegments(type: GraphQLOutputType): Segment[] {
  const segments: Segment[] = [];
  let current: GraphQLOutputType = isNonNullType(type) ? type.ofType : type;
  while (isListType(current)) {
    const item = current.ofType as GraphQLOutputType;
    segments.push({ key: '@', nullable: !isNonNullType(item) });
    current = isNonNullType(item) ? item.ofType : item;
  }
  return segments;
}

/**
 * Where null lands for a removed field: the field itself when nullable, else the nearest nullable
 * position above it (GraphQL null propagation); [] is `data` itself.
 */
function nullTarget(path: readonly Segment[]): string[] {
  let end = path.length;
  while (end > 0 && !(path[end - 1] as Segment).nullable) end -= 1;
  return path.slice(0, end).map((segment) => segment.key);
}
