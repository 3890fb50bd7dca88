import { GraphQLError, type GraphQLErrorOptions, type GraphQLFormattedError } from 'graphql';
import { ERRORS, errorCodeDef } from '@apollo/federation-internals';
import type { ResponsePath } from '@apollo/query-planner';
import { REQUIRED_ALIAS_PREFIX, requiredAliasField } from './plan-corrections/requires-arguments.ts';
import { concretePaths } from './response-path.ts';

/**
 * A subgraph's error as the client sees it: message, the subgraph's extensions plus
 * `serviceName`, and its path moved into the client's response; the same GraphQLError that
 * @apollo/gateway's downstreamServiceError builds.
 */
export function downstreamServiceError(
  original: GraphQLFormattedError,
  serviceName: string,
  path: ReadonlyArray<string | number> | undefined,
): GraphQLError {
  const { extensions } = original;
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const options: GraphQLErrorOptions = {
    originalError: original as unknown as Error,
    path,
    extensions: { ...extensions, serviceName },
  };
  // Only a known federation code has an `err` builder; anything else is the subgraph's own code.
  const found = errorCodeDef(original as unknown as GraphQLError);
  const codeDef = typeof found?.err === 'function' ? found : undefined;
  if (!codeDef && extensions?.['code']) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}

/**
 * Maps a subgraph error path to the client's: `_entities.<i>.rest` of an entity fetch becomes the
 * concrete path of the entity that sent representation i, plus `rest`; anything else is prefixed
 * with the fetch's path. @apollo/gateway takes i as the entity's index among all objects at the
 * fetch's path, which names the wrong object when some sent no representation (a union member of
 * another type): Tollgate maps through `entityOf` (README "Correctness").
 */
export class ErrorPathMapper {
  private concrete: ResponsePath[] | undefined;

  constructor(
    private readonly fetchPath: ResponsePath,
    private readonly fullResult: unknown,
    /** Entity fetches: per representation, the index of the entity it was built from. */
    private readonly entityOf?: readonly number[],
  ) {}

  /** `representationIndex` overrides the index in the path (deduplicated representations). */
  map(errorPath: ReadonlyArray<string | number> | undefined, representationIndex?: number): ResponsePath | undefined {
    if (this.entityOf && typeof errorPath?.[1] === 'number') {
      this.concrete ??= concretePaths(this.fetchPath, this.fullResult);
      const representation = representationIndex ?? errorPath[1];
      const hydrated = this.concrete[this.entityOf[representation] ?? representation] ?? [];
      return [...hydrated, ...clientNames(errorPath.slice(2))];
    }
    return errorPath ? [...this.fetchPath, ...clientNames(errorPath)] : undefined;
  }
}

/** A path through a corrected fetch names a required argument set by its field, never by Tollgate's alias. */
function clientNames(path: ReadonlyArray<string | number>): Array<string | number> {
  return path.map((element) => (typeof element === 'string' && element.startsWith(REQUIRED_ALIAS_PREFIX) ? requiredAliasField(element) : element));
}
