import {
  ERRORS,
  Variable,
  isCompositeType,
  isCustomScalarType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isSubtype,
  typenameFieldName,
  type CompositeType,
  type Directive,
  type FieldSelection,
  type NamedType,
  type Operation,
  type Schema,
  type Selection,
  type SelectionSet,
  type Type,
} from '@apollo/federation-internals';
import type { GraphQLError } from 'graphql';
import { hasOwn, type JsonObject } from './merge.ts';

/** The client's `data`, and what was wrong with the subgraphs' answers. */
export interface ShapedResponse {
  data: JsonObject | null;
  /** Value-completion errors (non-null violations, bad leaf values, bad __typename). */
  errors: GraphQLError[];
}

const NON_NULL = 0;
const LIST = 1;
const COMPOSITE = 2;
const LEAF = 3;

type TypePlan =
  | { kind: typeof NON_NULL; ofType: TypePlan; ofTypeString: string }
  | { kind: typeof LIST; ofType: TypePlan; typeString: string }
  | { kind: typeof COMPOSITE; type: CompositeType; typeString: string }
  | { kind: typeof LEAF; check: ((value: unknown) => boolean) | null; typeString: string };

/** @skip / @include argument: a literal, or a variable with what the assertion message names. */
type Condition = boolean | { variable: string; variableString: string; directiveString: string };

const NORMAL = 0;
const TYPENAME = 1;
const INTROSPECTION = 2;

interface FieldPlan {
  isField: true;
  skip: Condition | undefined;
  include: Condition | undefined;
  responseName: string;
  /** False when the name is also an Object/Array prototype member: read and write it as own only. */
  plainKey: boolean;
  role: typeof NORMAL | typeof TYPENAME | typeof INTROSPECTION;
  type: TypePlan;
  selections: SelectionPlan[] | undefined;
  introspect: ((variables: Record<string, unknown> | undefined) => unknown) | undefined;
}

interface FragmentPlan {
  isField: false;
  skip: Condition | undefined;
  include: Condition | undefined;
  condition: CompositeType | undefined;
  selections: SelectionPlan[];
  /** Whether the condition applies, by runtime __typename / by parent type name. */
  byTypename: Map<string, boolean>;
  byParentType: Map<string, boolean>;
}

type SelectionPlan = FieldPlan | FragmentPlan;

interface ShapeState {
  /** Request variables over the operation's defaults: what @skip/@include read. */
  conditionVariables: Record<string, unknown>;
  rawVariables: Record<string, unknown> | undefined;
  errors: GraphQLError[];
  path: Array<string | number>;
  /** Out-parameters of updateValue (set just before it returns; no allocation per value). */
  isInvalid: boolean;
  hasErrors: boolean;
}

/** Compiles an introspection root field (`__schema`, `__type`) into its runner. */
export type IntrospectionCompiler = (selection: FieldSelection) => (variables: Record<string, unknown> | undefined) => unknown;

/**
 * The client's response from the merged subgraph data: keeps only what the operation selected,
 * under its aliases, applies @skip/@include, type conditions and `__typename`, and nulls what a
 * subgraph got wrong with the errors Apollo's executor reports. The operation is compiled once
 * per plan; the rules are those of @apollo/gateway's computeResponse (resultShaping.js), which
 * re-reads a federation-internals Operation on every request. Output objects are plain objects
 * (not null-prototype ones, slow in V8); prototype-named keys are read and written as own.
 */
export class ResponseShaper {
  private readonly schema: Schema;
  private readonly root: SelectionPlan[];
  private readonly rootType: CompositeType;
  private readonly defaults: Record<string, unknown>;
  private readonly types = new Map<string, NamedType | undefined>();
  private readonly compiled = new WeakMap<SelectionSet, SelectionPlan[]>();
  private usesVariables = false;

  constructor(
    operation: Operation,
    private readonly compileIntrospection: IntrospectionCompiler,
  ) {
    const schema = operation.schema();
    const rootType = schema.schemaDefinition.rootType(operation.rootKind);
    if (!rootType) throw new Error(`The schema has no "${operation.rootKind}" root type defined`);
    this.rootType = rootType;
    this.schema = schema;
    this.defaults = operation.collectDefaultedVariableValues();
    this.root = this.compileSelectionSet(operation.selectionSet);
  }

  shape(input: JsonObject, variables: Record<string, unknown> | undefined): ShapedResponse {
    const state: ShapeState = {
      conditionVariables: this.usesVariables ? Object.assign(Object.create(null), this.defaults, variables) : this.defaults,
      rawVariables: variables,
      errors: [],
      path: [],
      isInvalid: false,
      hasErrors: false,
    };
    const data: JsonObject = {};
    const bubbled = this.applySelections(state, input, this.root, data, this.rootType);
    return { data: bubbled ? null : data, errors: state.errors };
  }

  // ---- compile (once per plan) ----

  private compileSelectionSet(selectionSet: SelectionSet): SelectionPlan[] {
    let plans = this.compiled.get(selectionSet);
    if (!plans) {
      plans = [];
      // Registered before recursing: named fragments are shared by every spread of them.
      this.compiled.set(selectionSet, plans);
      for (const selection of selectionSet.selections()) plans.push(this.compileSelection(selection));
    }
    return plans;
  }

  private compileSelection(selection: Selection): SelectionPlan {
    const element = selection.element;
    const skip = this.condition(element.appliedDirectivesOf(this.schema.skipDirective())[0]);
    const include = this.condition(element.appliedDirectivesOf(this.schema.includeDirective())[0]);
    if (selection.kind === 'FieldSelection') {
      const field = selection.element;
      const responseName = field.responseName();
      const role = field.definition.isSchemaIntrospectionField()
        ? INTROSPECTION
        : field.name === typenameFieldName
          ? TYPENAME
          : NORMAL;
      return {
        isField: true,
        skip,
        include,
        responseName,
        plainKey: !(responseName in Object.prototype) && !(responseName in Array.prototype),
        role,
        type: this.compileType(field.definition.type as Type),
        selections: selection.selectionSet && role !== INTROSPECTION ? this.compileSelectionSet(selection.selectionSet) : undefined,
        introspect: role === INTROSPECTION ? this.compileIntrospection(selection) : undefined,
      };
    }
    return {
      isField: false,
      skip,
      include,
      condition: selection.element.typeCondition,
      selections: this.compileSelectionSet(selection.selectionSet),
      byTypename: new Map(),
      byParentType: new Map(),
    };
  }

  private condition(directive: Directive<any, { if: boolean | Variable }> | undefined): Condition | undefined {
    if (!directive) return undefined;
    const ifArg = directive.arguments().if;
    if (ifArg instanceof Variable) {
      this.usesVariables = true;
      return { variable: ifArg.name, variableString: String(ifArg), directiveString: String(directive) };
    }
    return ifArg;
  }

  private compileType(type: Type): TypePlan {
    if (isNonNullType(type)) return { kind: NON_NULL, ofType: this.compileType(type.ofType), ofTypeString: String(type.ofType) };
    if (isListType(type)) return { kind: LIST, ofType: this.compileType(type.ofType), typeString: String(type) };
    if (isCompositeType(type)) return { kind: COMPOSITE, type, typeString: String(type) };
    return { kind: LEAF, check: leafCheck(type), typeString: String(type) };
  }

  // ---- shape (per request) ----

  private applySelections(
    state: ShapeState,
    input: JsonObject,
    selections: SelectionPlan[],
    output: JsonObject,
    parentType: CompositeType,
  ): boolean {
    for (let i = 0; i < selections.length; i++) {
      const selection = selections[i] as SelectionPlan;
      if ((selection.skip !== undefined || selection.include !== undefined) && isSkipped(selection, state.conditionVariables)) {
        continue;
      }
      if (!selection.isField) {
        const typename = input[typenameFieldName];
        if (typename && typeof typename !== 'string') throw new Error(`Got unexpected value for __typename: ${typename}`);
        if (this.applies(selection, typename as string | undefined, parentType)) {
          const bubbled = this.applySelections(state, input, selection.selections, output, selection.condition ?? parentType);
          if (bubbled) return true;
        }
        continue;
      }
      const key = selection.responseName;
      const plain = selection.plainKey;
      const outputValue = plain ? output[key] : hasOwn(output, key) ? output[key] : undefined;
      if (selection.role === INTROSPECTION) {
        if (outputValue === undefined) {
          setOutput(output, key, plain, (selection.introspect as NonNullable<FieldPlan['introspect']>)(state.rawVariables));
        }
        continue;
      }
      let inputValue = plain ? input[key] : hasOwn(input, key) ? input[key] : undefined;
      if (inputValue === undefined) inputValue = null;
      if (selection.role === TYPENAME) {
        if (outputValue === undefined) {
          if (inputValue === null && key !== typenameFieldName) inputValue = input[typenameFieldName] ?? null;
          const type = typeof inputValue === 'string' ? (this.typeNamed(inputValue) ?? parentType) : parentType;
          if (!isObjectType(type)) return true;
          setOutput(output, key, plain, type.name);
        }
        continue;
      }
      state.path.push(key);
      const updated = this.updateValue(state, outputValue, selection.type, inputValue, selection.selections, parentType);
      if (plain) output[key] = updated;
      else setOutput(output, key, plain, updated);
      state.path.pop();
      if (state.isInvalid) return true;
    }
    return false;
  }

  private updateValue(
    state: ShapeState,
    outputValue: unknown,
    type: TypePlan,
    inputValue: unknown,
    selections: SelectionPlan[] | undefined,
    parentType: CompositeType,
  ): unknown {
    if (inputValue === undefined) throw new Error('Should not pass undefined for `inputValue` to this method');
    if (outputValue === null || (outputValue !== undefined && !selections)) {
      state.isInvalid = false;
      state.hasErrors = false;
      return outputValue;
    }
    if (type.kind === NON_NULL) {
      const updated = this.updateValue(state, outputValue, type.ofType, inputValue, selections, parentType);
      if (updated === null) {
        if (!state.hasErrors) {
          state.errors.push(
            ERRORS.INVALID_GRAPHQL.err(`Cannot return null for non-nullable ${describe(state.path, type.ofTypeString, parentType)}.`, {
              path: Array.from(state.path),
            }),
          );
        }
        state.isInvalid = true;
        state.hasErrors = true;
        return null;
      }
      state.isInvalid = false;
      state.hasErrors = false;
      return updated;
    }
    if (inputValue === null) {
      state.isInvalid = false;
      state.hasErrors = false;
      return null;
    }
    switch (type.kind) {
      case LIST: {
        if (!Array.isArray(inputValue)) {
          throw new Error(`Invalid non-list value ${inputValue} returned by subgraph for list type ${type.typeString}`);
        }
        if (outputValue !== undefined && !Array.isArray(outputValue)) {
          throw new Error(`Invalid non-list value ${outputValue} returned by subgraph for list type ${type.typeString}`);
        }
        const previous = outputValue as unknown[] | undefined;
        if (previous !== undefined && previous.length !== inputValue.length) {
          throw new Error(`[${inputValue}].length (${inputValue.length}) !== [${previous}].length (${previous.length})`);
        }
        let shouldNullify = false;
        let hasErrors = false;
        const updated: unknown[] = [];
        for (let index = 0; index < inputValue.length; index++) {
          state.path.push(index);
          updated.push(
            this.updateValue(state, previous === undefined ? undefined : previous[index], type.ofType, inputValue[index], selections, parentType),
          );
          state.path.pop();
          if (state.isInvalid) shouldNullify = true;
          if (state.hasErrors) hasErrors = true;
        }
        state.isInvalid = false;
        state.hasErrors = hasErrors;
        return shouldNullify ? null : updated;
      }
      case COMPOSITE: {
        if (!selections) throw new Error(`Invalid empty selection set for composite type ${type.typeString}`);
        if (typeof inputValue !== 'object' || (outputValue !== undefined && typeof outputValue !== 'object')) {
          throw new Error(`Invalid non-object value ${inputValue} returned by subgraph for composite type ${type.typeString}`);
        }
        const input = inputValue as JsonObject;
        const inputTypename = input[typenameFieldName];
        if (inputTypename !== undefined && typeof inputTypename !== 'string') {
          throw new Error(`Invalid non-string value ${inputTypename} for __typename at ${state.path}`);
        }
        let objectType = type.type;
        if (inputTypename) {
          const named = this.typeNamed(inputTypename);
          if (!named || !isCompositeType(named)) {
            state.errors.push(
              ERRORS.INVALID_GRAPHQL.err(`Invalid __typename found for object at ${describe(state.path, type.typeString, parentType)}.`, {
                path: Array.from(state.path),
              }),
            );
            state.isInvalid = false;
            state.hasErrors = true;
            return null;
          }
          objectType = named;
        }
        const output = (outputValue ?? {}) as JsonObject;
        const bubbled = this.applySelections(state, input, selections, output, objectType);
        state.isInvalid = false;
        state.hasErrors = bubbled;
        return bubbled ? null : output;
      }
      default: {
        if (outputValue !== undefined) throw new Error(`Excepted output to be undefined but got ${type.typeString} for type ${type.typeString}`);
        const valid = type.check === null || type.check(inputValue);
        if (!valid) {
          state.errors.push(
            ERRORS.INVALID_GRAPHQL.err(`Invalid value found for ${describe(state.path, type.typeString, parentType)}.`, {
              path: Array.from(state.path),
            }),
          );
        }
        state.isInvalid = false;
        state.hasErrors = !valid;
        return valid ? inputValue : null;
      }
    }
  }

  private applies(fragment: FragmentPlan, typename: string | undefined, parentType: CompositeType): boolean {
    const condition = fragment.condition;
    if (!condition) return true;
    if (typename) {
      let answer = fragment.byTypename.get(typename);
      if (answer === undefined) {
        const type = this.typeNamed(typename);
        answer = !!type && isSubtype(condition, type);
        fragment.byTypename.set(typename, answer);
      }
      return answer;
    }
    let answer = fragment.byParentType.get(parentType.name);
    if (answer === undefined) {
      answer = isSubtype(condition, parentType);
      fragment.byParentType.set(parentType.name, answer);
    }
    return answer;
  }

  private typeNamed(name: string): NamedType | undefined {
    let type = this.types.get(name);
    if (type === undefined && !this.types.has(name)) {
      type = this.schema.type(name);
      // Bounded: names come from subgraph responses, and a bad one is an error anyway.
      if (this.types.size < 10_000) this.types.set(name, type);
    }
    return type;
  }
}

function isSkipped(selection: SelectionPlan, variables: Record<string, unknown>): boolean {
  return (
    (selection.skip !== undefined && conditionValue(selection.skip, variables)) ||
    (selection.include !== undefined && !conditionValue(selection.include, variables))
  );
}

function conditionValue(condition: Condition, variables: Record<string, unknown>): boolean {
  if (typeof condition === 'boolean') return condition;
  const value = variables[condition.variable];
  if (value === undefined || typeof value !== 'boolean') {
    throw new Error(`Unexpected value ${value} for variable ${condition.variableString} of ${condition.directiveString}`);
  }
  return value;
}

function setOutput(output: JsonObject, key: string, plain: boolean, value: unknown): void {
  if (plain) output[key] = value;
  else Object.defineProperty(output, key, { value, writable: true, enumerable: true, configurable: true });
}

function describe(path: Array<string | number>, currentType: string, parentType: CompositeType): string {
  const element = path[path.length - 1];
  if (element === undefined) throw new Error('Should not have been called on an empty path');
  return typeof element === 'string' ? `field ${parentType.name}.${element}` : `array element of type ${currentType} at index ${element}`;
}

const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

/**
 * federation-internals' isValidLeafValue specialised per type (null: anything goes). The rules
 * are strict on purpose: a number for a String field is invalid there, so it is here.
 */
export function leafCheck(type: Type): ((value: unknown) => boolean) | null {
  if (isCustomScalarType(type)) return null;
  if (isEnumType(type)) {
    const names = new Set(type.values.map((v) => v.name));
    return (value) => typeof value === 'string' && names.has(value);
  }
  const name = (type as NamedType).name;
  const isInt = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && INTEGER.test(String(value));
  switch (name) {
    case 'Boolean':
      return (value) => typeof value === 'boolean';
    case 'Int':
      return isInt;
    case 'ID':
      return (value) => typeof value === 'string' || isInt(value);
    case 'Float':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'String':
      return (value) => typeof value === 'string';
    default:
      return () => false;
  }
}
