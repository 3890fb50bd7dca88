// JSON Schema (the 2020-12 dialect OpenAPI 3.1 uses) of what a REST endpoint takes and answers:
// a variable's type (its query parameter), and the `data` an operation's selection produces —
// exactly the fields it selects, under their response keys, nullable where the schema says so.
import {
  getNamedType,
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLString,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isSpecifiedScalarType,
  isUnionType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export type JsonSchema = Record<string, unknown>;

/** A scalar's or enum's value as a query parameter carries it. */
export function inputSchema(type: GraphQLNamedType): JsonSchema {
  // A custom scalar arrives as its text: the scalar's own parsing decides.
  return isEnumType(type) || isSpecifiedScalarType(type) ? leafSchema(type) : { type: 'string', description: `GraphQL scalar ${type.name}, as text` };
}

/** The `data` of `operation`: an object with the root fields it selects. */
export function operationDataSchema(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): JsonSchema {
  const root = schema.getRootType(operation.operation);
  if (!root) return {};
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return new SelectionSchemas(schema, fragments).object(root, [operation.selectionSet]);
}

/** `schema` without its null alternative (what a 200 answer at a non-null path holds). */
export function nonNull(schema: JsonSchema): JsonSchema {
  const type = schema['type'];
  if (!Array.isArray(type)) return schema;
  const rest: JsonSchema = { ...schema, type: type.find((t) => t !== 'null') };
  if (Array.isArray(schema['enum'])) rest['enum'] = (schema['enum'] as unknown[]).filter((v) => v !== null);
  return rest;
}

/** One response key of a selection, with everything selected under it (fields of one key merge). */
interface CollectedField {
  /** The type the field is selected on; undefined for `__typename` directly on a union. */
  owner: GraphQLObjectType | GraphQLInterfaceType | undefined;
  fieldName: string;
  nodes: FieldNode[];
  /** Absent from some answers: under @skip/@include, or in a fragment only some object types match. */
  conditional: boolean;
}

class SelectionSchemas {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ) {}

  /** The object a composite type's selection sets produce. */
  object(type: GraphQLCompositeType, selectionSets: readonly SelectionSetNode[]): JsonSchema {
    const fields = new Map<string, CollectedField>();
    for (const selectionSet of selectionSets) this.collect(type, type, selectionSet, false, fields, new Set());
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [key, field] of fields) {
      properties[key] = this.field(type, field);
      if (!field.conditional) required.push(key);
    }
    return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
  }

  private field(parent: GraphQLCompositeType, field: CollectedField): JsonSchema {
    if (field.fieldName === '__typename') {
      const names = isAbstractType(parent) ? this.schema.getPossibleTypes(parent).map((t) => t.name) : [parent.name];
      return { type: 'string', enum: names };
    }
    const definition = field.owner?.getFields()[field.fieldName];
    if (definition === undefined) return {};
    const selectionSets = field.nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
    const schema = this.output(definition.type, selectionSets);
    return definition.description ? { ...schema, description: definition.description } : schema;
  }

  private output(type: GraphQLOutputType, selectionSets: readonly SelectionSetNode[]): JsonSchema {
    if (isNonNullType(type)) return nonNull(this.output(type.ofType, selectionSets));
    if (isListType(type)) return { type: ['array', 'null'], items: this.output(type.ofType, selectionSets) };
    const named = getNamedType(type);
    if (isCompositeType(named)) return nullable(this.object(named, selectionSets));
    return nullable(leafSchema(named));
  }

  /** Gathers the fields of `selectionSet` on `parent` by response key, expanding fragments. */
  private collect(
    parent: GraphQLCompositeType,
    scope: GraphQLCompositeType,
    selectionSet: SelectionSetNode,
    conditional: boolean,
    out: Map<string, CollectedField>,
    visiting: Set<string>,
  ): void {
    for (const selection of selectionSet.selections) {
      const isConditional = conditional || (selection.directives ?? []).some((d) => d.name.value === 'skip' || d.name.value === 'include');
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const known = out.get(key);
        if (known !== undefined) {
          known.nodes.push(selection);
          known.conditional &&= isConditional;
          continue;
        }
        out.set(key, { owner: isUnionType(scope) ? undefined : scope, fieldName: selection.name.value, nodes: [selection], conditional: isConditional });
        continue;
      }
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? this.fragments.get(selection.name.value) : undefined;
      if (selection.kind === Kind.FRAGMENT_SPREAD && (fragment === undefined || visiting.has(fragment.name.value))) continue;
      const condition = selection.kind === Kind.FRAGMENT_SPREAD ? fragment!.typeCondition : selection.typeCondition;
      const conditionType = condition ? this.schema.getType(condition.name.value) : scope;
      if (!conditionType || !isCompositeType(conditionType)) continue;
      // A fragment on a type every answer here has (the parent itself, or an interface an object parent implements) always applies.
      const always = conditionType === parent || (isObjectType(parent) && isInterfaceType(conditionType) && parent.getInterfaces().includes(conditionType));
      if (fragment !== undefined) visiting.add(fragment.name.value);
      this.collect(parent, conditionType, selection.kind === Kind.FRAGMENT_SPREAD ? fragment!.selectionSet : selection.selectionSet, isConditional || !always, out, visiting);
      if (fragment !== undefined) visiting.delete(fragment.name.value);
    }
  }
}

/** Adds `null` to a schema's values. */
function nullable(schema: JsonSchema): JsonSchema {
  const type = schema['type'];
  if (typeof type !== 'string') return schema; // any value already (custom scalars)
  return { ...schema, type: [type, 'null'], ...(Array.isArray(schema['enum']) ? { enum: [...(schema['enum'] as unknown[]), null] } : {}) };
}

/** A scalar's or enum's JSON value. */
function leafSchema(type: GraphQLNamedType): JsonSchema {
  if (type === GraphQLInt) return { type: 'integer', format: 'int32' };
  if (type === GraphQLFloat) return { type: 'number', format: 'double' };
  if (type === GraphQLBoolean) return { type: 'boolean' };
  if (type === GraphQLString || type === GraphQLID) return { type: 'string' };
  if (isEnumType(type)) return { type: 'string', enum: type.getValues().map((v) => v.name) };
  // A custom scalar serializes as whatever it likes.
  return { description: `GraphQL scalar ${type.name}` };
}
