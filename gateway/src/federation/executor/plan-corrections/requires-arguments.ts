import { FieldDefinition, type Supergraph } from '@apollo/federation-internals';
import { Kind, parse, print, type ArgumentNode, type FieldNode, type SelectionSetNode } from 'graphql';

/** One argument set of a field that some @requires asks for, fetched under an alias of its own. */
export interface RequiredArguments {
  /** `Post.comments`: the field's parent type and name. */
  typeName: string;
  fieldName: string;
  /** The arguments as printed, `(limit: 3)`: what tells two argument sets apart. */
  arguments: string;
  /** The same arguments as AST: literals, since @requires allows no variables. */
  argumentNodes: readonly ArgumentNode[];
  /** The response name the corrected plan fetches this argument set under. */
  alias: string;
  /** What the @requires select below the field (merged over every @requires of this argument set). */
  selectionSet: SelectionSetNode | undefined;
}

/**
 * Every @requires of the supergraph that selects a field with arguments (issue 13, behaviours 1
 * and 2): @apollo/query-planner merges such a field with the client's own selection of it, and
 * with other @requires of it, under one response name, whatever their arguments. Built once per
 * supergraph; empty for most, and then no plan is ever corrected for it.
 */
export class RequiresArgumentsIndex {
  /** By `subgraph\0Type\0field` of the field carrying @requires. */
  private readonly byRequiringField = new Map<string, RequiredArguments[]>();
  /** By `Type.field` of the required field: each distinct argument set. */
  private readonly byRequiredField = new Map<string, RequiredArguments[]>();

  static build(supergraph: Supergraph): RequiresArgumentsIndex {
    const index = new RequiresArgumentsIndex();
    for (const subgraph of supergraph.subgraphs()) {
      const requires = subgraph.metadata().requiresDirective();
      for (const application of requires.applications()) {
        const field = application.parent;
        if (!(field instanceof FieldDefinition)) continue;
        const selectionSet = parse(`{${String(application.arguments().fields)}}`).definitions[0] as { selectionSet: SelectionSetNode };
        for (const selection of selectionSet.selectionSet.selections) {
          // Top-level fields of the entity only; arguments deeper down are left as planned.
          if (selection.kind !== Kind.FIELD || !selection.arguments?.length) continue;
          const required = index.add(field.parent.name, selection);
          const key = `${subgraph.name}\u0000${field.parent.name}\u0000${field.name}`;
          const list = index.byRequiringField.get(key) ?? [];
          if (!list.includes(required)) list.push(required);
          index.byRequiringField.set(key, list);
        }
      }
    }
    return index;
  }

  get isEmpty(): boolean {
    return this.byRequiredField.size === 0;
  }

  /** The argument sets a field with @requires needs, or undefined when it needs none. */
  requiredBy(subgraph: string, typeName: string, fieldName: string): readonly RequiredArguments[] | undefined {
    return this.byRequiringField.get(`${subgraph}\u0000${typeName}\u0000${fieldName}`);
  }

  /** Every argument set of `Type.field` that some @requires needs. */
  argumentSetsOf(typeName: string, fieldName: string): readonly RequiredArguments[] | undefined {
    return this.byRequiredField.get(`${typeName}.${fieldName}`);
  }

  private add(typeName: string, field: FieldNode): RequiredArguments {
    const key = `${typeName}.${field.name.value}`;
    const printedArguments = `(${field.arguments!.map((argument) => print(argument)).join(', ')})`;
    const sets = this.byRequiredField.get(key) ?? [];
    let required = sets.find((set) => set.arguments === printedArguments);
    if (!required) {
      required = {
        typeName,
        fieldName: field.name.value,
        arguments: printedArguments,
        argumentNodes: field.arguments!,
        alias: `${REQUIRED_ALIAS_PREFIX}${field.name.value}_${sets.length}`,
        selectionSet: field.selectionSet,
      };
      sets.push(required);
      this.byRequiredField.set(key, sets);
    } else if (field.selectionSet) {
      const merged = [...(required.selectionSet?.selections ?? []), ...field.selectionSet.selections];
      required.selectionSet = { kind: Kind.SELECTION_SET, selections: merged };
    }
    return required;
  }
}

/** Response names the corrections introduce; a client alias with these prefixes turns correction off. */
export const REQUIRED_ALIAS_PREFIX = '__tollgate_required_';
export const CLIENT_ALIAS_PREFIX = '__tollgate_client_';
