// Distinct operation texts for the soak: the same query under a new operation name with its first
// root field under a new alias, so every variant is a document no gateway has seen (nothing to
// reuse from a plan or document cache keyed by text) yet is valid and has a known answer: the
// query's expected data with that one response key renamed.
import { Kind, parse, print, visit, type FieldNode, type OperationDefinitionNode } from 'graphql';

export interface OperationVariants {
  /** The request body of the query exactly as written (the repeated operation). */
  same: string;
  /** Request body of variant `n` (a distinct text for each n) and the response key it renames. */
  variant(n: number): { body: string; alias: string | null };
  /** The response key that variants answer under `alias` instead (null: only the name varies). */
  key: string | null;
}

const OP = 'SOAKOPERATIONNAME';
const ALIAS = 'SOAKALIASNAME';

/** Prints the query once with placeholders; each variant is then two string replacements. */
export function operationVariants(query: string, operationName?: string): OperationVariants {
  const doc = parse(query);
  const operations = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const target = operationName === undefined ? operations[0] : operations.find((o) => o.name?.value === operationName);
  if (!target || (operationName === undefined && operations.length !== 1)) {
    throw new Error('operationVariants: need exactly one operation (or its name)');
  }
  const baseName = target.name?.value ?? 'Soak';
  const field = target.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.alias === undefined);
  const template = print(
    visit(doc, {
      OperationDefinition(node) {
        if (node !== target) return undefined;
        return {
          ...node,
          name: { kind: Kind.NAME, value: OP },
          selectionSet: {
            ...node.selectionSet,
            selections: node.selectionSet.selections.map((s) => (s === field ? { ...s, alias: { kind: Kind.NAME, value: ALIAS } } : s)),
          },
        };
      },
    }),
  );
  const body = (text: string) => JSON.stringify({ query: text, ...(operationName === undefined ? {} : { operationName }) });
  return {
    same: body(query),
    key: field?.name.value ?? null,
    variant(n) {
      const name = `${baseName}_${n}`;
      const alias = field ? `soak_${n}` : null;
      const text = template.replace(OP, name).replace(ALIAS, alias ?? '');
      return {
        body: JSON.stringify({ query: text, ...(operationName === undefined ? {} : { operationName: name }) }),
        alias,
      };
    },
  };
}
