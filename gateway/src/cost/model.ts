// The cost model: what the cost directives of a supergraph say, read once per supergraph into plain
// maps, so that costing an operation never touches directive ASTs again.
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  isUnionType,
  Kind,
  parse,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type SelectionSetNode,
} from 'graphql';
import { costDirectiveNames, type CostDirectiveNames } from '../core/links.ts';
import { parseSupergraph, type ParsedSupergraph } from '../core/supergraph.ts';
import { OperationCache } from './operation-cache.ts';

/** `@listSize` on a field, as written. */
export interface ListSizeSpec {
  assumedSize: number | undefined;
  slicingArguments: readonly string[] | undefined;
  sizedFields: ReadonlySet<string> | undefined;
  /** Default true, as the directive declares it. */
  requireOneSlicingArgument: boolean;
}

/** An argument or input-object field. */
export interface InputValueCost {
  name: string;
  /** Its named type. */
  typeName: string;
  isInputObject: boolean;
  /** `@cost` on the argument, else on its named type; undefined when neither has one. */
  weight: number | undefined;
  /** The definition's default when it is an Int (slicing arguments fall back to it). */
  defaultInt: number | undefined;
}

export interface FieldCost {
  name: string;
  /** The named type it returns. */
  typeName: string;
  /** Returns a list (the router multiplies once, whatever the nesting). */
  isList: boolean;
  /** Returns an object, interface or union. */
  isComposite: boolean;
  /** `@cost` on the field, else on its named type: undefined when neither has one. */
  explicitWeight: number | undefined;
  /** explicitWeight, else 1 for objects, interfaces and unions, 0 for scalars and enums. */
  weight: number;
  listSize: ListSizeSpec | undefined;
  args: ReadonlyMap<string, InputValueCost>;
  /** The selection of `@requires` (from `@join__field(requires:)`), whose cost the field adds. */
  requires: SelectionSetNode | undefined;
}

export interface CompositeTypeCost {
  name: string;
  kind: 'object' | 'interface' | 'union';
  fields: ReadonlyMap<string, FieldCost>;
}

export interface CostModelOptions {
  /** Assumed length of a list field without `@listSize`; default 10. */
  listSize?: number;
  /** Added to every mutation; default 10. */
  mutationBaseCost?: number;
  /** Most documents whose compiled cost is kept; default 1000. */
  cacheSize?: number;
}

export interface CostModel {
  readonly types: ReadonlyMap<string, CompositeTypeCost>;
  readonly inputTypes: ReadonlyMap<string, ReadonlyMap<string, InputValueCost>>;
  /** Object types of each interface and union. */
  readonly possibleTypes: ReadonlyMap<string, ReadonlySet<string>>;
  readonly roots: Readonly<Partial<Record<'query' | 'mutation' | 'subscription', string>>>;
  readonly listSize: number;
  readonly mutationBaseCost: number;
  /** Compiled operations of this supergraph (a new supergraph gets a new model and cache). */
  readonly operations: OperationCache;
}

export const DEFAULT_LIST_SIZE = 10;
export const DEFAULT_MUTATION_BASE_COST = 10;
export const DEFAULT_CACHE_SIZE = 1000;

/** Reads the cost directives of a supergraph (or of any SDL that declares or links them). */
export function buildCostModel(source: string | DocumentNode | ParsedSupergraph, options: CostModelOptions = {}): CostModel {
  const { document, schema } = parseSupergraph(source);
  const reader = new DirectiveReader(costDirectiveNames(document));

  const types = new Map<string, CompositeTypeCost>();
  const inputTypes = new Map<string, Map<string, InputValueCost>>();
  const possibleTypes = new Map<string, ReadonlySet<string>>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      const fields = new Map<string, FieldCost>();
      for (const field of Object.values(type.getFields())) fields.set(field.name, reader.field(field));
      types.set(type.name, { name: type.name, kind: isObjectType(type) ? 'object' : 'interface', fields });
    } else if (isUnionType(type)) {
      types.set(type.name, { name: type.name, kind: 'union', fields: new Map() });
    } else if (isInputObjectType(type)) {
      inputTypes.set(type.name, new Map(Object.values(type.getFields()).map((f) => [f.name, reader.inputValue(f)])));
    }
    if (isInterfaceType(type) || isUnionType(type)) {
      possibleTypes.set(type.name, new Set(schema.getPossibleTypes(type).map((t) => t.name)));
    }
  }

  const roots: Partial<Record<'query' | 'mutation' | 'subscription', string>> = {};
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query) roots.query = query.name;
  if (mutation) roots.mutation = mutation.name;
  if (subscription) roots.subscription = subscription.name;

  return {
    types,
    inputTypes,
    possibleTypes,
    roots,
    listSize: options.listSize ?? DEFAULT_LIST_SIZE,
    mutationBaseCost: options.mutationBaseCost ?? DEFAULT_MUTATION_BASE_COST,
    operations: new OperationCache(options.cacheSize ?? DEFAULT_CACHE_SIZE),
  };
}

/** Reads @cost, @listSize and @join__field(requires:) under the names this schema gives them. */
class DirectiveReader {
  constructor(private readonly names: CostDirectiveNames) {}

  field(field: GraphQLField<unknown, unknown>): FieldCost {
    const named = getNamedType(field.type);
    const explicitWeight = this.weight(field.astNode?.directives) ?? this.typeWeight(named);
    const args = new Map(field.args.map((arg) => [arg.name, this.inputValue(arg)]));
    return {
      name: field.name,
      typeName: named.name,
      isList: isListType(getNullableType(field.type)),
      isComposite: isCompositeType(named),
      explicitWeight,
      weight: explicitWeight ?? (isCompositeType(named) ? 1 : 0),
      listSize: this.listSize(field.astNode?.directives),
      args,
      requires: requiresSelection(field.astNode?.directives),
    };
  }

  inputValue(value: GraphQLArgument | GraphQLInputField): InputValueCost {
    const named = getNamedType(value.type);
    const defaultNode = value.astNode?.defaultValue;
    return {
      name: value.name,
      typeName: named.name,
      isInputObject: isInputObjectType(named),
      weight: this.weight(value.astNode?.directives) ?? this.typeWeight(named),
      defaultInt: defaultNode?.kind === Kind.INT ? Number.parseInt(defaultNode.value, 10) : undefined,
    };
  }

  /** `@cost` on an object, scalar or enum type (the spec allows no other type kinds). */
  private typeWeight(type: GraphQLNamedType): number | undefined {
    for (const node of [type.astNode, ...type.extensionASTNodes]) {
      const weight = this.weight(node?.directives);
      if (weight !== undefined) return weight;
    }
    return undefined;
  }

  /** Int in cost/v0.1; a numeric String (IBM's type, and newer routers) or Float is read too. */
  private weight(directives: readonly ConstDirectiveNode[] | undefined): number | undefined {
    const args = directiveArguments(directives, this.names.cost);
    if (args === undefined) return undefined;
    const weight = typeof args.weight === 'string' ? Number(args.weight) : args.weight;
    return typeof weight === 'number' && Number.isFinite(weight) ? weight : undefined;
  }

  private listSize(directives: readonly ConstDirectiveNode[] | undefined): ListSizeSpec | undefined {
    const args = directiveArguments(directives, this.names.listSize);
    if (args === undefined) return undefined;
    const sizedFields = stringList(args.sizedFields);
    return {
      assumedSize: Number.isInteger(args.assumedSize) ? (args.assumedSize as number) : undefined,
      slicingArguments: stringList(args.slicingArguments),
      sizedFields: sizedFields === undefined ? undefined : new Set(sizedFields),
      requireOneSlicingArgument: args.requireOneSlicingArgument !== false,
    };
  }
}

function directiveArguments(
  directives: readonly ConstDirectiveNode[] | undefined,
  name: string,
): Record<string, unknown> | undefined {
  const directive = directives?.find((d) => d.name.value === name);
  if (directive === undefined) return undefined;
  return Object.fromEntries((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/** The first `@join__field(requires: "...")` of a supergraph field, parsed as a selection set. */
function requiresSelection(directives: readonly ConstDirectiveNode[] | undefined): SelectionSetNode | undefined {
  for (const directive of directives ?? []) {
    if (directive.name.value !== 'join__field') continue;
    const requires = directive.arguments?.find((a) => a.name.value === 'requires');
    if (requires?.value.kind !== Kind.STRING) continue;
    const operation = parse(`{ ${requires.value.value} }`, { noLocation: true }).definitions[0];
    if (operation?.kind === Kind.OPERATION_DEFINITION) return operation.selectionSet;
  }
  return undefined;
}
