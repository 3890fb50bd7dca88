import { Kind, visit, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/**
 * The document of a filtered operation: the operation, the (filtered) fragments it still spreads,
 * transitively, and only the variables still used: one only a removed field used would fail "no
 * unused variables" if the document is validated again.
 */
export function assembleDocument(
  operation: OperationDefinitionNode,
  fragmentNamed: (name: string) => FragmentDefinitionNode | undefined,
): DocumentNode {
  const used = new Set<string>();
  const fragments: FragmentDefinitionNode[] = [];
  const collect = (node: SelectionSetNode): void => {
    visit(node, {
      FragmentSpread: (spread) => {
        const name = spread.name.value;
        if (used.has(name)) return;
        used.add(name);
        const fragment = fragmentNamed(name);
        if (!fragment) return;
        fragments.push(fragment);
        collect(fragment.selectionSet);
      },
    });
  };
  collect(operation.selectionSet);

  const usedVariables = new Set<string>();
  const countVariables = (node: OperationDefinitionNode | FragmentDefinitionNode): void => {
    visit(node, {
      VariableDefinition: () => false,
      Variable: (variable) => {
        usedVariables.add(variable.name.value);
      },
    });
  };
  countVariables(operation);
  for (const fragment of fragments) countVariables(fragment);
  const variableDefinitions = operation.variableDefinitions?.filter((definition) => usedVariables.has(definition.variable.name.value));
  return { kind: Kind.DOCUMENT, definitions: [{ ...operation, variableDefinitions }, ...fragments] };
}
