import { baseType, FieldDefinition, InterfaceType, ObjectType, type Subgraph, type Supergraph } from '@apollo/federation-internals';
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
  /**
   * A leaf required without arguments (`weight`): the planner only goes wrong with it when the
   * client gives another field its name (`weight: id`), so it is aliased only in such operations.
   */
  onClientCollision: boolean;
}

/** Where one @requires needs an argument set: the representation's path to the field's parent. */
export interface Requirement {
  /** The entity type the @requires is on (the representation's `... on` type). */
  entityType: string;
  /** Fields (and `... on T` fragments) from the entity down to the field's parent; [] at the top. */
  path: readonly string[];
  required: RequiredArguments;
}

/**
 * Every @requires of the supergraph that selects a field with arguments, at any depth (issue 13,
 * behaviours 1 and 2): @apollo/query-planner merges such a field with the client's own selection
 * of it, and with other @requires of it, under one response name, whatever their arguments. Also
 * every leaf a @requires selects without arguments, for operations where the client aliases
 * another field to its name. Built once per supergraph; empty without @requires.
 */
export class RequiresArgumentsIndex {
  /** By `subgraph\0Type\0field` of the field carrying @requires. */
  private readonly byRequiringField = new Map<string, Requirement[]>();
  /** By `Type.field` of the required field: each distinct argument set. */
  private readonly byRequiredField = new Map<string, RequiredArguments[]>();
  /** Some @requires selects a field with arguments: plans are corrected even without a collision. */
  hasArguments = false;

  static build(supergraph: Supergraph): RequiresArgumentsIndex {
    const index = new RequiresArgumentsIndex();
    for (const subgraph of supergraph.subgraphs()) {
      const requires = subgraph.metadata().requiresDirective();
      for (const application of requires.applications()) {
        const field = application.parent;
        if (!(field instanceof FieldDefinition)) continue;
        const selectionSet = parse(`{${String(application.arguments().fields)}}`).definitions[0] as { selectionSet: SelectionSetNode };
        const requirements: Requirement[] = [];
        index.collect(subgraph, field.parent.name, selectionSet.selectionSet, field.parent.name, [], requirements);
        if (requirements.length === 0) continue;
        const key = `${subgraph.name}\u0000${field.parent.name}\u0000${field.name}`;
        index.byRequiringField.set(key, [...(index.byRequiringField.get(key) ?? []), ...requirements]);
      }
    }
    return index;
  }

  /**
   * The fields with arguments in one @requires selection. Below a field with arguments nothing
   * more is collected: its alias already keeps everything under it apart.
   */
  private collect(subgraph: Subgraph, entityType: string, selectionSet: SelectionSetNode, parentType: string, path: string[], into: Requirement[]): void {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const fragmentPath = typeName ? [...path, `... on ${typeName}`] : path;
        this.collect(subgraph, entityType, selection.selectionSet, typeName ?? parentType, fragmentPath, into);
      } else if (selection.kind === Kind.FIELD) {
        if (selection.arguments?.length || !selection.selectionSet) {
          into.push({ entityType, path, required: this.add(parentType, selection) });
        } else {
          const parent = subgraph.schema.type(parentType);
          const fieldType = parent instanceof ObjectType || parent instanceof InterfaceType ? parent.field(selection.name.value)?.type : undefined;
          if (fieldType) this.collect(subgraph, entityType, selection.selectionSet, baseType(fieldType).name, [...path, selection.name.value], into);
        }
      }
    }
  }

  get isEmpty(): boolean {
    return this.byRequiredField.size === 0;
  }

  /** The argument sets a field with @requires needs, or undefined when it needs none. */
  requiredBy(subgraph: string, typeName: string, fieldName: string): readonly Requirement[] | undefined {
    return this.byRequiringField.get(`${subgraph}\u0000${typeName}\u0000${fieldName}`);
  }

  /** Every argument set of `Type.field` that some @requires needs. */
  argumentSetsOf(typeName: string, fieldName: string): readonly RequiredArguments[] | undefined {
    return this.byRequiredField.get(`${typeName}.${fieldName}`);
  }

  private add(typeName: string, field: FieldNode): RequiredArguments {
    const key = `${typeName}.${field.name.value}`;
    const argumentNodes = field.arguments ?? [];
    const printedArguments = argumentNodes.length === 0 ? '' : `(${argumentNodes.map((argument) => print(argument)).join(', ')})`;
    if (argumentNodes.length > 0) this.hasArguments = true;
    const sets = this.byRequiredField.get(key) ?? [];
    let required = sets.find((set) => set.arguments === printedArguments);
    if (!required) {
      required = {
        typeName,
        fieldName: field.name.value,
        arguments: printedArguments,
        argumentNodes,
        alias: `${REQUIRED_ALIAS_PREFIX}${field.name.value}_${sets.length}`,
        selectionSet: field.selectionSet,
        onClientCollision: argumentNodes.length === 0,
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

/** Response names the corrections introduce; a client alias with this prefix is refused. */
export const RESERVED_ALIAS_PREFIX = '__tollgate_';
export const REQUIRED_ALIAS_PREFIX = `${RESERVED_ALIAS_PREFIX}required_`;
export const CLIENT_ALIAS_PREFIX = `${RESERVED_ALIAS_PREFIX}client_`;

/** The field a required argument set's alias stands for: `__tollgate_required_price_1` → `price`. */
export function requiredAliasField(alias: string): string {
  return alias.slice(REQUIRED_ALIAS_PREFIX.length).replace(/_\d+$/, '');
}
