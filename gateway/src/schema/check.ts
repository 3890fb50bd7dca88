// `tollgate check` and the registry's publish check: the current supergraph against a proposed
// one, compared as clients see them (API schemas), each change with the subgraph responsible and,
// when the clients' operations are given, the operations it affects. A breaking change that no
// given operation meets is kept in the report but does not fail the check (usage-based checks).
import { apiSchemaOf } from './api-schema.ts';
import { diffSchemas, type SchemaChange } from './diff.ts';
import { affectedOperations, coordinatesUsed, type ClientOperation } from './usage.ts';

export interface CheckedChange extends SchemaChange {
  /** The subgraphs defining the coordinate: in the current supergraph for removals, else the proposed one. */
  subgraphs: string[];
  /** With operations: the ones this change affects (for every severity). */
  operations?: string[];
  /** Whether the change counts: a BREAKING one that no given operation uses does not. */
  counts: boolean;
}

export interface CheckReport {
  changes: CheckedChange[];
  /** Breaking changes that count (fail the check unless allowed). */
  breaking: number;
  /** Breaking changes no given operation uses (only with operations). */
  unusedBreaking: number;
  dangerous: number;
  safe: number;
  /** How many operations were checked; undefined without operations. */
  operations: number | undefined;
}

/** Throws ApiSchemaError when either SDL is no loadable supergraph. */
export function checkSupergraphs(currentSdl: string, proposedSdl: string, operations?: readonly ClientOperation[]): CheckReport {
  const current = apiSchemaOf(currentSdl);
  const proposed = apiSchemaOf(proposedSdl);
  const usage = operations?.map(({ name, document }) => ({ name, used: coordinatesUsed(current.schema, document) }));
  const changes = diffSchemas(current.schema, proposed.schema).map((change): CheckedChange => {
    const owners = (change.removed ? current : proposed).owners;
    const subgraphs = [...(owners.get(change.coordinate.replace(/\(.*$/, '')) ?? owners.get(change.coordinate.split('.')[0] as string) ?? [])];
    if (usage === undefined) return { ...change, subgraphs, counts: true };
    const affected = affectedOperations(change, usage);
    return { ...change, subgraphs, operations: affected, counts: change.severity !== 'BREAKING' || affected.length > 0 };
  });
  const count = (test: (change: CheckedChange) => boolean) => changes.filter(test).length;
  return {
    changes,
    breaking: count((c) => c.severity === 'BREAKING' && c.counts),
    unusedBreaking: count((c) => c.severity === 'BREAKING' && !c.counts),
    dangerous: count((c) => c.severity === 'DANGEROUS'),
    safe: count((c) => c.severity === 'SAFE'),
    operations: operations?.length,
  };
}
