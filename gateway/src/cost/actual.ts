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
import type { Cost, CostFn, EvalContext } from './cost-expr.ts';
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
  const walker = new ResponseWalker(model, walkPlanOf(model, compiled), evalContext(compiled, variables));
  const operation = compiled.operation;
  const base = operation.operation === 'mutation' ? model.mutationBaseCost : 0;
  const root = model.roots[operation.operation];
  if (root === undefined || !isObject(responseData)) return base;
  return base + walker.object(root, responseData, walker.plan.rootSelections);
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
  /** The field's arguments' cost (a number unless a variable sizes it). */
  argumentsCost: Cost;
  /** Its @requires selection's cost; 0 without one. */
  requiresCost: Cost;
}

/**
 * What the walk of an operation's responses needs of its document, resolved once per operation
 * and kept for every later request (a response walk then only reads values and adds numbers):
 * per selection and runtime type, the costed fields with their argument and @requires costs. The
 * fields an object has depend on the variables only through a variable @skip / @include; an
 * operation that has one resolves its fields again per request (`shared` false).
 */
class WalkPlan {
  /** The root's selection sets: one array for every request, as the fields' cache keys on it. */
  readonly rootSelections: readonly SelectionSetNode[];
  readonly #fields = new Map<readonly SelectionSetNode[], Map<string, ResolvedField[]>>();

  constructor(
    private readonly model: CostModel,
    private readonly compiled: CompiledOperation,
    /** No variable decides an inclusion: the resolved fields hold for every request. */
    readonly shared: boolean,
  ) {
    this.rootSelections = [compiled.operation.selectionSet];
  }

  /**
   * The costed fields of an object of `runtimeType` selected by `selectionSets`: collected once per
   * selection and type (the arrays are stable: the root's is made once per operation, the others
   * are the resolved fields' own). `ctx` decides variable inclusions when the plan is not shared.
   */
  fieldsOf(staticType: string, runtimeType: string | undefined, selectionSets: readonly SelectionSetNode[], ctx: EvalContext): ResolvedField[] {
    let byType = this.#fields.get(selectionSets);
    if (byType === undefined) this.#fields.set(selectionSets, (byType = new Map()));
    const typeKey = runtimeType ?? '';
    let resolved = byType.get(typeKey);
    if (resolved !== undefined) return resolved;
    const fields = new Map<string, CollectedField>();
    for (const selectionSet of selectionSets) this.collect(selectionSet, staticType, runtimeType, fields, new Set(), ctx);
    resolved = [];
    for (const [key, field] of fields) {
      const name = field.node.name.value;
      if (name.startsWith('__')) continue;
      // The type the field was selected on, as in the estimate; the object's own type if that lacks it.
      const owner = this.model.types.get(field.parentType)?.fields.has(name) === true ? field.parentType : (runtimeType ?? field.parentType);
      const definition = this.model.types.get(owner)?.fields.get(name);
      // A field the schema does not know adds nothing (the router's "partial result").
      if (definition === undefined) continue;
      const argsCost = argumentsCost(this.model, definition, field.node);
      const reqCost = definition.requires ? requiresCost(this.model, definition.requires, owner) : 0;
      // A scalar or enum of weight 0 with free arguments adds 0 whatever its value (null or a list
      // included): most of a response's fields, left out of the walk.
      if (!definition.isComposite && definition.weight === 0 && !definition.explicitWeight && argsCost === 0 && reqCost === 0) continue;
      resolved.push({ key, field, definition, argumentsCost: argsCost, requiresCost: reqCost });
    }
    byType.set(typeKey, resolved);
    return resolved;
  }

  /** GraphQL's CollectFields: included selections, fragments whose type condition fits the object. */
  private collect(
    selectionSet: SelectionSetNode,
    parentType: string,
    runtimeType: string | undefined,
    into: Map<string, CollectedField>,
    visitedFragments: Set<string>,
    ctx: EvalContext,
  ): void {
    for (const selection of selectionSet.selections) {
      if (!isIncluded(selection.directives, ctx)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        let field = into.get(key);
        if (field === undefined) into.set(key, (field = { node: selection, parentType, selectionSets: [] }));
        if (selection.selectionSet) field.selectionSets.push(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition?.name.value;
        if (this.applies(condition, runtimeType)) this.collect(selection.selectionSet, condition ?? parentType, runtimeType, into, visitedFragments, ctx);
      } else {
        const name = selection.name.value;
        const fragment = this.compiled.fragments.get(name);
        if (fragment === undefined || visitedFragments.has(name)) continue;
        visitedFragments.add(name);
        const condition = fragment.typeCondition.name.value;
        if (this.applies(condition, runtimeType)) this.collect(fragment.selectionSet, condition, runtimeType, into, visitedFragments, ctx);
      }
    }
  }

  /** Without __typename the object's type is unknown, and every fragment is taken. */
  private applies(condition: string | undefined, runtimeType: string | undefined): boolean {
    if (condition === undefined || runtimeType === undefined || condition === runtimeType) return true;
    return this.model.possibleTypes.get(condition)?.has(runtimeType) === true;
  }
}

// One plan per compiled operation, for as long as the operation cache keeps that operation.
const plans = new WeakMap<CompiledOperation, WalkPlan>();

function walkPlanOf(model: CostModel, compiled: CompiledOperation): WalkPlan {
  const kept = plans.get(compiled);
  if (kept !== undefined) return kept;
  const plan = new WalkPlan(model, compiled, !hasVariableInclusion(compiled));
  if (plan.shared) plans.set(compiled, plan);
  return plan;
}

class ResponseWalker {
  /** Argument and @requires costs that depend on variables, evaluated once per field per request. */
  readonly #variableCosts = new Map<CostFn, number>();

  constructor(
    private readonly model: CostModel,
    readonly plan: WalkPlan,
    private readonly ctx: EvalContext,
  ) {}

  object(staticType: string, value: Record<string, unknown>, selectionSets: readonly SelectionSetNode[]): number {
    const typename = value.__typename;
    const runtimeType = typeof typename === 'string' && this.model.types.has(typename) ? typename : undefined;
    let cost = 0;
    for (const field of this.plan.fieldsOf(staticType, runtimeType, selectionSets, this.ctx)) {
      if (!(field.key in value)) continue;
      cost += this.value(field.definition, field.field, value[field.key]);
      cost += this.costOf(field.argumentsCost) + this.costOf(field.requiresCost);
    }
    return cost;
  }

  private costOf(cost: Cost): number {
    if (typeof cost === 'number') return cost;
    let value = this.#variableCosts.get(cost);
    if (value === undefined) this.#variableCosts.set(cost, (value = cost(this.ctx)));
    return value;
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
}

/** Whether any @skip / @include of the operation or its fragments takes its condition from a variable. */
function hasVariableInclusion(compiled: CompiledOperation): boolean {
  const inSelections = (selectionSet: SelectionSetNode | undefined): boolean =>
    selectionSet !== undefined &&
    selectionSet.selections.some(
      (selection) =>
        selection.directives?.some((d) => d.arguments?.some((a) => a.value.kind === Kind.VARIABLE)) === true ||
        (selection.kind !== Kind.FRAGMENT_SPREAD && inSelections(selection.selectionSet)),
    );
  return inSelections(compiled.operation.selectionSet) || [...compiled.fragments.values()].some((f) => inSelections(f.selectionSet));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
