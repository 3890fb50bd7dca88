// The cost of an operation from its response: the estimate's formula with every list at its real
// length (Apollo Router's "actual cost", ResponseCostCalculator), so a budget charged the estimate
// up front can be refunded the difference.
//
//   object value  → its weight (@cost or 1) + its selected fields; a list → the sum of its items
//   scalar value  → its weight; null → only an explicit @cost weight (as the router)
//   arguments     → once per field, as in the estimate
//
// Where this differs from the router: fields are matched by response key (aliases count; the
// router looks fields up by name), fragments apply by the object's __typename when it is there,
// and the mutation base cost and @requires selections are counted as in the estimate, so that
// estimate − actual is due to list sizes (and nulls) only.
import type { DocumentNode, FieldNode, SelectionSetNode } from 'graphql';
import { Kind } from 'graphql';
import { argumentsCost } from './arguments.ts';
import { requiresCost } from './compile.ts';
import { evaluate, type EvalContext } from './cost-expr.ts';
import { evalContext, type Variables } from './estimate.ts';
import { isIncluded } from './inclusion.ts';
import type { CostModel, FieldCost } from './model.ts';
import type { CompiledOperation } from './operation-cache.ts';

export function actualCost(
  model: CostModel,
  document: string | DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
  responseData: unknown,
): number {
  const compiled = model.operations.get(model, document, operationName);
  const walker = new ResponseWalker(model, compiled, evalContext(compiled, variables));
  const operation = compiled.operation;
  const base = operation.operation === 'mutation' ? model.mutationBaseCost : 0;
  const root = model.roots[operation.operation];
  if (root === undefined || !isObject(responseData)) return base;
  return base + walker.object(root, responseData, [operation.selectionSet]);
}

/** The selections of one response key in one object, merged across fragments. */
interface CollectedField {
  node: FieldNode;
  /** The type the field was selected on (the fragment's type condition, or the parent). */
  parentType: string;
  selectionSets: SelectionSetNode[];
}

/** A selected field of an object, resolved against the schema's costs. */
interface ResolvedField {
  key: string;
  field: CollectedField;
  definition: FieldCost;
  /** The type whose field definition applies. */
  owner: string;
}

class ResponseWalker {
  // Compiled once per selection / field, not once per list item.
  readonly #argumentCosts = new Map<FieldNode, number>();
  readonly #requiresCosts = new Map<FieldCost, number>();
  readonly #fields = new Map<readonly SelectionSetNode[], Map<string, ResolvedField[]>>();

  constructor(
    private readonly model: CostModel,
    private readonly compiled: CompiledOperation,
    private readonly ctx: EvalContext,
  ) {}

  object(staticType: string, value: Record<string, unknown>, selectionSets: readonly SelectionSetNode[]): number {
    const typename = value.__typename;
    const runtimeType = typeof typename === 'string' && this.model.types.has(typename) ? typename : undefined;
    let cost = 0;
    for (const { key, field, definition, owner } of this.fieldsOf(staticType, runtimeType, selectionSets)) {
      if (!(key in value)) continue;
      cost += this.value(definition, field, value[key]) + this.argumentsCost(definition, field.node);
      if (definition.requires) cost += this.requiresCost(definition, definition.requires, owner);
    }
    return cost;
  }

  /**
   * The costed fields of an object of `runtimeType` selected by `selectionSets`: collected once per
   * selection and type, not once per list item (the arrays are stable: the root's is made once,
   * the others are the cached fields' own).
   */
  private fieldsOf(staticType: string, runtimeType: string | undefined, selectionSets: readonly SelectionSetNode[]): ResolvedField[] {
    let byType = this.#fields.get(selectionSets);
    if (byType === undefined) this.#fields.set(selectionSets, (byType = new Map()));
    const typeKey = runtimeType ?? '';
    let resolved = byType.get(typeKey);
    if (resolved !== undefined) return resolved;
    const fields = new Map<string, CollectedField>();
    for (const selectionSet of selectionSets) this.collect(selectionSet, staticType, runtimeType, fields, new Set());
    resolved = [];
    for (const [key, field] of fields) {
      const name = field.node.name.value;
      if (name.startsWith('__')) continue;
      // The type the field was selected on, as in the estimate; the object's own type if that lacks it.
      const owner = this.model.types.get(field.parentType)?.fields.has(name) === true ? field.parentType : (runtimeType ?? field.parentType);
      const definition = this.model.types.get(owner)?.fields.get(name);
      // A field the schema does not know adds nothing (the router's "partial result").
      if (definition !== undefined) resolved.push({ key, field, definition, owner });
    }
    byType.set(typeKey, resolved);
    return resolved;
  }

  private argumentsCost(definition: FieldCost, node: FieldNode): number {
    let cost = this.#argumentCosts.get(node);
    if (cost === undefined) {
      cost = evaluate(argumentsCost(this.model, definition, node), this.ctx);
      this.#argumentCosts.set(node, cost);
    }
    return cost;
  }

  private requiresCost(definition: FieldCost, requires: SelectionSetNode, owner: string): number {
    let cost = this.#requiresCosts.get(definition);
    if (cost === undefined) {
      cost = evaluate(requiresCost(this.model, requires, owner), this.ctx);
      this.#requiresCosts.set(definition, cost);
    }
    return cost;
  }

  private value(definition: FieldCost, field: CollectedField, value: unknown): number {
    if (Array.isArray(value)) {
      let cost = 0;
      for (const item of value) cost += this.value(definition, field, item);
      return cost;
    }
    if (value === null || value === undefined) return definition.explicitWeight ?? 0;
    if (definition.isComposite && isObject(value)) return definition.weight + this.object(definition.typeName, value, field.selectionSets);
    return definition.weight;
  }

  /** GraphQL's CollectFields: included selections, fragments whose type condition fits the object. */
  private collect(
    selectionSet: SelectionSetNode,
    parentType: string,
    runtimeType: string | undefined,
    into: Map<string, CollectedField>,
    visitedFragments: Set<string>,
  ): void {
    for (const selection of selectionSet.selections) {
      if (!isIncluded(selection.directives, this.ctx)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        let field = into.get(key);
        if (field === undefined) into.set(key, (field = { node: selection, parentType, selectionSets: [] }));
        if (selection.selectionSet) field.selectionSets.push(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition?.name.value;
        if (this.applies(condition, runtimeType)) this.collect(selection.selectionSet, condition ?? parentType, runtimeType, into, visitedFragments);
      } else {
        const name = selection.name.value;
        const fragment = this.compiled.fragments.get(name);
        if (fragment === undefined || visitedFragments.has(name)) continue;
        visitedFragments.add(name);
        const condition = fragment.typeCondition.name.value;
        if (this.applies(condition, runtimeType)) this.collect(fragment.selectionSet, condition, runtimeType, into, visitedFragments);
      }
    }
  }

  /** Without __typename the object's type is unknown, and every fragment is taken. */
  private applies(condition: string | undefined, runtimeType: string | undefined): boolean {
    if (condition === undefined || runtimeType === undefined || condition === runtimeType) return true;
    return this.model.possibleTypes.get(condition)?.has(runtimeType) === true;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
