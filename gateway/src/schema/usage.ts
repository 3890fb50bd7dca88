// Usage-based checks: which schema coordinates the clients' operations use, read against the
// CURRENT API schema (the one they were written for), so a breaking change can be kept only when
// some operation meets it, and the report can name those operations.
//
// What counts as a use (keys of the set an operation gets):
//   `Type`                 a type selected from, returned by a selected field, a fragment's type
//                          condition, or the named type of a variable or argument
//   `Type.field`           a selected field (on the type it was selected on)
//   `Type.field(arg:)`     an argument given
//   `Input.field`          an input field given in a literal
//   `Enum.VALUE`           an enum value given in a literal
//   `input:Type`           an input type (or enum) reachable from a variable: its values are not
//                          known, so every input field and enum value under it counts as used
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  Kind,
  TypeInfo,
  typeFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { SchemaChange } from './diff.ts';

export interface ClientOperation {
  /** How a report names it: the operation's name and where it came from. */
  name: string;
  document: DocumentNode;
}

/** One operation per operation definition, each with the fragments it reaches. */
export function operationsOf(document: DocumentNode, source: string): ClientOperation[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operations.map((operation, index) => ({
    name: `${operation.name?.value ?? `anonymous #${index + 1}`} (${source})`,
    document: { kind: Kind.DOCUMENT, definitions: [operation, ...reachableFragments(operation, fragments)] },
  }));
}

function reachableFragments(operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
  while (pending.length > 0) {
    visit(pending.pop()!, {
      FragmentSpread(node) {
        const fragment = fragments.get(node.name.value);
        if (fragment !== undefined && !found.has(node.name.value)) {
          found.set(node.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...found.values()];
}

/** The coordinates one operation uses (see the header), read against `schema`. */
export function coordinatesUsed(schema: GraphQLSchema, document: DocumentNode): Set<string> {
  const used = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const useType = (type: GraphQLNamedType | null | undefined) => {
    if (type) used.add(type.name);
  };
  const useInputTree = (type: GraphQLNamedType) => {
    if (used.has(`input:${type.name}`)) return;
    used.add(`input:${type.name}`);
    used.add(type.name);
    if (isInputObjectType(type)) for (const field of Object.values(type.getFields())) useInputTree(getNamedType(field.type));
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || node.name.value.startsWith('__')) return;
        used.add(parent.name);
        used.add(`${parent.name}.${node.name.value}`);
        useType(getNamedType(typeInfo.getType() ?? undefined));
      },
      Argument(node) {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (field && parent) used.add(`${parent.name}.${field.name}(${node.name.value}:)`);
        useType(getNamedType(typeInfo.getInputType() ?? undefined));
      },
      ObjectField(node) {
        const parent = getNamedType(typeInfo.getParentInputType() ?? undefined);
        if (parent) used.add(`${parent.name}.${node.name.value}`);
        useType(getNamedType(typeInfo.getInputType() ?? undefined));
      },
      EnumValue(node) {
        const type = getNamedType(typeInfo.getInputType() ?? undefined);
        if (type && isEnumType(type)) used.add(`${type.name}.${node.value}`);
      },
      InlineFragment(node) {
        if (node.typeCondition) used.add(node.typeCondition.name.value);
      },
      FragmentDefinition(node) {
        used.add(node.typeCondition.name.value);
      },
      VariableDefinition(node) {
        const type = typeFromAST(schema, node.type);
        if (type) useInputTree(getNamedType(type));
      },
    }),
  );
  return used;
}

/** The coordinates whose use makes a change matter to an operation. */
export function usageKeys(change: SchemaChange): string[] {
  const [type = change.coordinate] = change.coordinate.split(/[.(]/);
  const field = change.coordinate.replace(/\(.*$/, '');
  switch (change.kind) {
    case 'TYPE_REMOVED':
    case 'TYPE_KIND_CHANGED':
    case 'UNION_MEMBER_REMOVED':
      return [type];
    case 'INTERFACE_IMPLEMENTATION_REMOVED':
      return [type, change.related ?? type];
    case 'FIELD_REMOVED':
    case 'FIELD_TYPE_CHANGED':
    case 'FIELD_MADE_NULLABLE':
    case 'ARG_MADE_REQUIRED':
    case 'REQUIRED_ARG_ADDED':
    case 'ARG_DEFAULT_REMOVED':
      return [field];
    case 'ARG_REMOVED':
    case 'ARG_TYPE_CHANGED':
      return [change.coordinate];
    case 'INPUT_FIELD_REMOVED':
    case 'INPUT_FIELD_TYPE_CHANGED':
      return [change.coordinate, `input:${type}`];
    case 'INPUT_FIELD_MADE_REQUIRED':
    case 'REQUIRED_INPUT_FIELD_ADDED':
    case 'INPUT_FIELD_DEFAULT_REMOVED':
      return [type];
    case 'ENUM_VALUE_REMOVED':
      return [change.coordinate, `input:${type}`];
    default:
      return [change.coordinate];
  }
}

/** The operations (by name) a change affects. */
export function affectedOperations(change: SchemaChange, usage: ReadonlyArray<{ name: string; used: ReadonlySet<string> }>): string[] {
  const keys = usageKeys(change);
  return usage.filter(({ used }) => keys.some((key) => used.has(key))).map(({ name }) => name);
}
