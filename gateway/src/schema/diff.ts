// The differ behind `tollgate check` and the registry: two API schemas in, one entry per change
// out, each with its schema coordinate and how it affects clients. Written out class by class
// (graphql-js's findBreakingChanges names no coordinates and misses removed defaults and some
// interface changes). Severity is from a client's side:
//   BREAKING   an operation valid today fails to validate, or reads a type it cannot handle
//   DANGEROUS  operations still validate, but a client may meet a value or type it never saw
//   SAFE       nothing a client does today changes
import {
  astFromValue,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  print,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';

export type Severity = 'BREAKING' | 'DANGEROUS' | 'SAFE';

export type ChangeKind =
  | 'TYPE_REMOVED'
  | 'TYPE_ADDED'
  | 'TYPE_KIND_CHANGED'
  | 'FIELD_REMOVED'
  | 'FIELD_ADDED'
  | 'FIELD_TYPE_CHANGED'
  | 'FIELD_MADE_NULLABLE'
  | 'FIELD_MADE_NON_NULL'
  | 'FIELD_DEPRECATED'
  | 'ARG_REMOVED'
  | 'REQUIRED_ARG_ADDED'
  | 'OPTIONAL_ARG_ADDED'
  | 'ARG_TYPE_CHANGED'
  | 'ARG_MADE_REQUIRED'
  | 'ARG_MADE_OPTIONAL'
  | 'ARG_DEFAULT_REMOVED'
  | 'ARG_DEFAULT_CHANGED'
  | 'ARG_DEFAULT_ADDED'
  | 'INPUT_FIELD_REMOVED'
  | 'REQUIRED_INPUT_FIELD_ADDED'
  | 'OPTIONAL_INPUT_FIELD_ADDED'
  | 'INPUT_FIELD_TYPE_CHANGED'
  | 'INPUT_FIELD_MADE_REQUIRED'
  | 'INPUT_FIELD_MADE_OPTIONAL'
  | 'INPUT_FIELD_DEFAULT_REMOVED'
  | 'INPUT_FIELD_DEFAULT_CHANGED'
  | 'INPUT_FIELD_DEFAULT_ADDED'
  | 'ENUM_VALUE_REMOVED'
  | 'ENUM_VALUE_ADDED'
  | 'UNION_MEMBER_REMOVED'
  | 'UNION_MEMBER_ADDED'
  | 'INTERFACE_IMPLEMENTATION_REMOVED'
  | 'INTERFACE_IMPLEMENTATION_ADDED';

export interface SchemaChange {
  kind: ChangeKind;
  severity: Severity;
  /** Schema coordinate: `Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`. */
  coordinate: string;
  message: string;
  /** For union and interface changes: the member or interface concerned. */
  related?: string;
  /** The element is gone: only the current schema knows the coordinate (and the subgraph that defined it). */
  removed: boolean;
}

/** Kinds whose coordinate exists only in the current schema (its subgraph is read there). */
const ELEMENT_REMOVED = /^(TYPE|FIELD|ARG|INPUT_FIELD|ENUM_VALUE)_REMOVED$/;

/** Every change from `before` (the current API schema) to `after` (the proposed one), in schema order. */
export function diffSchemas(before: GraphQLSchema, after: GraphQLSchema): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const add = (kind: ChangeKind, severity: Severity, coordinate: string, message: string, extra: Partial<SchemaChange> = {}) =>
    changes.push({ kind, severity, coordinate, message, removed: ELEMENT_REMOVED.test(kind), ...extra });
  const oldTypes = userTypes(before);
  const newTypes = userTypes(after);
  for (const [name, oldType] of oldTypes) {
    const newType = newTypes.get(name);
    if (newType === undefined) add('TYPE_REMOVED', 'BREAKING', name, `Type "${name}" was removed.`);
    else if (kindOf(oldType) !== kindOf(newType)) {
      add('TYPE_KIND_CHANGED', 'BREAKING', name, `Type "${name}" changed from ${kindOf(oldType)} to ${kindOf(newType)}.`);
    } else diffType(oldType, newType, add);
  }
  for (const name of newTypes.keys()) {
    if (!oldTypes.has(name)) add('TYPE_ADDED', 'SAFE', name, `Type "${name}" was added.`);
  }
  return changes;
}

type Add = (kind: ChangeKind, severity: Severity, coordinate: string, message: string, extra?: Partial<SchemaChange>) => void;

function diffType(oldType: GraphQLNamedType, newType: GraphQLNamedType, add: Add): void {
  const name = oldType.name;
  if ((isObjectType(oldType) || isInterfaceType(oldType)) && (isObjectType(newType) || isInterfaceType(newType))) {
    diffInterfaces(name, oldType.getInterfaces().map((i) => i.name), newType.getInterfaces().map((i) => i.name), add);
    const newFields = newType.getFields();
    for (const [fieldName, oldField] of Object.entries(oldType.getFields())) {
      const newField = newFields[fieldName];
      if (newField === undefined) add('FIELD_REMOVED', 'BREAKING', `${name}.${fieldName}`, `Field "${name}.${fieldName}" was removed.`);
      else diffField(`${name}.${fieldName}`, oldField, newField, add);
    }
    const oldFields = oldType.getFields();
    for (const fieldName of Object.keys(newFields)) {
      if (!(fieldName in oldFields)) add('FIELD_ADDED', 'SAFE', `${name}.${fieldName}`, `Field "${name}.${fieldName}" was added.`);
    }
  } else if (isInputObjectType(oldType) && isInputObjectType(newType)) {
    const newFields = newType.getFields();
    for (const [fieldName, oldField] of Object.entries(oldType.getFields())) {
      const newField = newFields[fieldName];
      const coordinate = `${name}.${fieldName}`;
      if (newField === undefined) add('INPUT_FIELD_REMOVED', 'BREAKING', coordinate, `Input field "${coordinate}" was removed.`);
      else diffInputValue('INPUT_FIELD', coordinate, oldField, newField, add);
    }
    const oldFields = oldType.getFields();
    for (const [fieldName, newField] of Object.entries(newFields)) {
      if (fieldName in oldFields) continue;
      const coordinate = `${name}.${fieldName}`;
      if (isRequired(newField)) add('REQUIRED_INPUT_FIELD_ADDED', 'BREAKING', coordinate, `Required input field "${coordinate}" (${String(newField.type)}) was added.`);
      else add('OPTIONAL_INPUT_FIELD_ADDED', 'DANGEROUS', coordinate, `Optional input field "${coordinate}" was added.`);
    }
  } else if (isEnumType(oldType) && isEnumType(newType)) {
    const newValues = new Set(newType.getValues().map((v) => v.name));
    const oldValues = new Set(oldType.getValues().map((v) => v.name));
    for (const value of oldValues) {
      if (!newValues.has(value)) add('ENUM_VALUE_REMOVED', 'BREAKING', `${name}.${value}`, `Enum value "${name}.${value}" was removed.`);
    }
    for (const value of newValues) {
      if (!oldValues.has(value)) {
        add('ENUM_VALUE_ADDED', 'DANGEROUS', `${name}.${value}`, `Enum value "${name}.${value}" was added: clients that switch over "${name}" may not handle it.`);
      }
    }
  } else if (isUnionType(oldType) && isUnionType(newType)) {
    const newMembers = new Set(newType.getTypes().map((t) => t.name));
    const oldMembers = new Set(oldType.getTypes().map((t) => t.name));
    for (const member of oldMembers) {
      if (!newMembers.has(member)) add('UNION_MEMBER_REMOVED', 'BREAKING', name, `Member "${member}" was removed from union "${name}".`, { related: member });
    }
    for (const member of newMembers) {
      if (!oldMembers.has(member)) {
        add('UNION_MEMBER_ADDED', 'DANGEROUS', name, `Member "${member}" was added to union "${name}": clients may not handle it.`, { related: member });
      }
    }
  }
}

function diffInterfaces(name: string, before: string[], after: string[], add: Add): void {
  for (const iface of before) {
    if (!after.includes(iface)) {
      add('INTERFACE_IMPLEMENTATION_REMOVED', 'BREAKING', name, `"${name}" no longer implements interface "${iface}".`, { related: iface });
    }
  }
  for (const iface of after) {
    if (!before.includes(iface)) {
      add('INTERFACE_IMPLEMENTATION_ADDED', 'DANGEROUS', name, `"${name}" now implements interface "${iface}": selections on "${iface}" may return it.`, { related: iface });
    }
  }
}

function diffField(coordinate: string, oldField: GraphQLField<unknown, unknown>, newField: GraphQLField<unknown, unknown>, add: Add): void {
  if (String(oldField.type) !== String(newField.type)) {
    const [from, to] = [String(oldField.type), String(newField.type)];
    if (safeOutputChange(oldField.type, newField.type)) add('FIELD_MADE_NON_NULL', 'SAFE', coordinate, `Field "${coordinate}" changed type from ${from} to ${to}.`);
    else if (sameShape(oldField.type, newField.type)) add('FIELD_MADE_NULLABLE', 'BREAKING', coordinate, `Field "${coordinate}" became nullable: ${from} → ${to}.`);
    else add('FIELD_TYPE_CHANGED', 'BREAKING', coordinate, `Field "${coordinate}" changed type from ${from} to ${to}.`);
  }
  if (oldField.deprecationReason == null && newField.deprecationReason != null) {
    add('FIELD_DEPRECATED', 'SAFE', coordinate, `Field "${coordinate}" was deprecated: ${newField.deprecationReason}`);
  }
  const newArgs = new Map(newField.args.map((a) => [a.name, a]));
  for (const oldArg of oldField.args) {
    const argCoordinate = `${coordinate}(${oldArg.name}:)`;
    const newArg = newArgs.get(oldArg.name);
    if (newArg === undefined) add('ARG_REMOVED', 'BREAKING', argCoordinate, `Argument "${argCoordinate}" was removed.`);
    else diffInputValue('ARG', argCoordinate, oldArg, newArg, add);
  }
  const oldArgs = new Set(oldField.args.map((a) => a.name));
  for (const newArg of newField.args) {
    if (oldArgs.has(newArg.name)) continue;
    const argCoordinate = `${coordinate}(${newArg.name}:)`;
    if (isRequired(newArg)) add('REQUIRED_ARG_ADDED', 'BREAKING', argCoordinate, `Required argument "${argCoordinate}" (${String(newArg.type)}) was added.`);
    else add('OPTIONAL_ARG_ADDED', 'DANGEROUS', argCoordinate, `Optional argument "${argCoordinate}" was added.`);
  }
}

/** Arguments and input fields change alike: the prefix picks the kinds' names. */
function diffInputValue(
  prefix: 'ARG' | 'INPUT_FIELD',
  coordinate: string,
  oldValue: GraphQLArgument | GraphQLInputField,
  newValue: GraphQLArgument | GraphQLInputField,
  add: Add,
): void {
  const what = prefix === 'ARG' ? 'Argument' : 'Input field';
  const [from, to] = [String(oldValue.type), String(newValue.type)];
  if (from !== to) {
    if (safeInputChange(oldValue.type, newValue.type)) {
      add(`${prefix}_MADE_OPTIONAL`, 'SAFE', coordinate, `${what} "${coordinate}" changed type from ${from} to ${to}.`);
    } else if (sameShape(oldValue.type, newValue.type)) {
      // A non-null with a default may still be left out: only a value without one is now required.
      add(`${prefix}_MADE_REQUIRED`, isRequired(newValue) ? 'BREAKING' : 'SAFE', coordinate, `${what} "${coordinate}" became non-null: ${from} → ${to}.`);
    } else add(`${prefix}_TYPE_CHANGED`, 'BREAKING', coordinate, `${what} "${coordinate}" changed type from ${from} to ${to}.`);
  }
  const oldDefault = defaultText(oldValue);
  const newDefault = defaultText(newValue);
  if (oldDefault !== undefined && newDefault === undefined) {
    const effect = isNonNullType(newValue.type) ? 'fail validation' : `no longer get ${oldDefault}`;
    add(`${prefix}_DEFAULT_REMOVED`, 'BREAKING', coordinate, `${what} "${coordinate}" lost its default value ${oldDefault}: operations leaving it out ${effect}.`);
  } else if (oldDefault !== undefined && newDefault !== undefined && oldDefault !== newDefault) {
    add(`${prefix}_DEFAULT_CHANGED`, 'DANGEROUS', coordinate, `${what} "${coordinate}" default changed from ${oldDefault} to ${newDefault}.`);
  } else if (oldDefault === undefined && newDefault !== undefined) {
    add(`${prefix}_DEFAULT_ADDED`, 'SAFE', coordinate, `${what} "${coordinate}" got the default value ${newDefault}.`);
  }
}

/** Non-null without a default: an operation must give it. */
function isRequired(value: GraphQLArgument | GraphQLInputField): boolean {
  return isNonNullType(value.type) && value.defaultValue === undefined;
}

function defaultText(value: GraphQLArgument | GraphQLInputField): string | undefined {
  if (value.defaultValue === undefined) return undefined;
  const ast = astFromValue(value.defaultValue, value.type);
  return ast === null || ast === undefined ? 'null' : print(ast);
}

/** An output type may only gain guarantees (non-null where it was nullable), never change shape. */
function safeOutputChange(before: GraphQLType, after: GraphQLType): boolean {
  if (isNonNullType(before)) return isNonNullType(after) && safeOutputChange(before.ofType, after.ofType);
  if (isNonNullType(after)) return safeOutputChange(before, after.ofType);
  if (isListType(before)) return isListType(after) && safeOutputChange(before.ofType, after.ofType);
  return !isListType(after) && (before as GraphQLNamedType).name === (after as GraphQLNamedType).name;
}

/** An input type may only accept more (nullable where it was non-null), never change shape. */
function safeInputChange(before: GraphQLType, after: GraphQLType): boolean {
  if (isNonNullType(before)) return safeInputChange(before.ofType, isNonNullType(after) ? after.ofType : after);
  if (isNonNullType(after)) return false;
  if (isListType(before)) return isListType(after) && safeInputChange(before.ofType, after.ofType);
  return !isListType(after) && (before as GraphQLNamedType).name === (after as GraphQLNamedType).name;
}

/** The same type but for non-null wrappers: a change of nullability only. */
function sameShape(before: GraphQLType, after: GraphQLType): boolean {
  return String(before).replaceAll('!', '') === String(after).replaceAll('!', '');
}

function kindOf(type: GraphQLNamedType): string {
  if (isObjectType(type)) return 'OBJECT';
  if (isInterfaceType(type)) return 'INTERFACE';
  if (isUnionType(type)) return 'UNION';
  if (isEnumType(type)) return 'ENUM';
  if (isInputObjectType(type)) return 'INPUT_OBJECT';
  return 'SCALAR';
}

/** The schema's own types: introspection types and built-in scalars never change. */
function userTypes(schema: GraphQLSchema): Map<string, GraphQLNamedType> {
  const builtIn = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);
  return new Map(Object.entries(schema.getTypeMap()).filter(([name]) => !name.startsWith('__') && !builtIn.has(name)));
}
