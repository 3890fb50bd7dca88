// Compiles one operation into its cost: Apollo Router's static estimate
// (demand_control/cost_calculator/static_cost.rs, `estimated`), folded into a number wherever the
// variables cannot change it.
//
//   operation  = (mutation ? mutationBaseCost : 0) + Σ selections
//   field      = count × (weight + Σ sub-selections) + arguments + cost of its @requires selection
//   weight     = @cost on the field, else on its type, else 1 for object/interface/union, 0 otherwise
//   count      = 1, or for a list: size from the parent's @listSize(sizedFields:), else its own
//                @listSize (largest slicing argument, else assumedSize), else the default list size
//
// Fragments add their selections (inline fragments on every possible type are summed, as the
// router does: no max over types); each alias is costed separately; __typename and skipped
// selections cost 0.
import { Kind, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { argumentsCost } from './arguments.ts';
import { firstSize, oncePerEvaluation, sum, times, when, type Cost, type Size } from './cost-expr.ts';
import { CostQueryError } from './errors.ts';
import { inclusion } from './inclusion.ts';
import { ownListSize } from './list-size.ts';
import type { CostModel } from './model.ts';

/** A parent's @listSize(sizedFields:) handed to its children: those fields get `size`. */
interface SizedFields {
  fields: ReadonlySet<string>;
  size: Size;
}

export function compileOperationCost(
  model: CostModel,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): Cost {
  const root = model.roots[operation.operation];
  if (root === undefined) {
    throw new CostQueryError(`Cannot cost ${operation.operation} operation because the schema does not support this root type`);
  }
  const compiler = new Compiler(model, fragments);
  const base = operation.operation === 'mutation' ? model.mutationBaseCost : 0;
  return sum([base, compiler.selectionSet(operation.selectionSet, root, undefined)]);
}

/** The cost a field adds for its @requires selection (also used by the actual cost). */
export function requiresCost(model: CostModel, selection: SelectionSetNode, parentType: string): Cost {
  return new Compiler(model, new Map()).selectionSet(selection, parentType, undefined);
}

class Compiler {
  /** Fragment name → cost per sized-fields context, so a fragment spread N times compiles once. */
  readonly #fragmentCosts = new Map<string, Map<SizedFields | undefined, Cost>>();
  readonly #compiling = new Set<string>();

  constructor(
    private readonly model: CostModel,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ) {}

  selectionSet(selectionSet: SelectionSetNode, parentType: string, sized: SizedFields | undefined): Cost {
    const parts: Cost[] = [];
    for (const selection of selectionSet.selections) {
      const included = inclusion(selection.directives);
      if (included === false) continue;
      let cost: Cost;
      if (selection.kind === Kind.FIELD) {
        cost = this.field(selection, parentType, sized);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        cost = this.selectionSet(selection.selectionSet, selection.typeCondition?.name.value ?? parentType, sized);
      } else {
        cost = this.fragment(selection.name.value, sized);
      }
      parts.push(when(included, cost));
    }
    return sum(parts);
  }

  private field(node: FieldNode, parentType: string, sized: SizedFields | undefined): Cost {
    const name = node.name.value;
    // __typename, and introspection (__schema, __type), which no subgraph is asked for.
    if (name.startsWith('__')) return 0;
    const definition = this.model.types.get(parentType)?.fields.get(name);
    if (definition === undefined) {
      throw new CostQueryError(`Field ${name} was found in query, but its type is missing from the schema.`);
    }

    const own = ownListSize(definition, node);
    const fromParent = sized?.fields.has(name) === true ? sized.size : undefined;
    let count: Cost = 1;
    if (definition.isList) count = firstSize([fromParent, own], this.model.listSize);
    else if (typeof own === 'function') count = (ctx) => (own(ctx), 1); // still checks the slicing rule

    const childSized = definition.listSize?.sizedFields ? { fields: definition.listSize.sizedFields, size: own } : undefined;
    const each = node.selectionSet
      ? sum([definition.weight, this.selectionSet(node.selectionSet, definition.typeName, childSized)])
      : definition.weight;
    const requires = definition.requires ? this.selectionSet(definition.requires, parentType, childSized) : 0;
    return sum([times(count, each), argumentsCost(this.model, definition, node), requires]);
  }

  private fragment(name: string, sized: SizedFields | undefined): Cost {
    let byContext = this.#fragmentCosts.get(name);
    const cached = byContext?.get(sized);
    if (cached !== undefined) return cached;

    const fragment = this.fragments.get(name);
    if (fragment === undefined) throw new CostQueryError(`Parsed operation did not have a definition for fragment ${name}`);
    if (this.#compiling.has(name)) throw new CostQueryError(`Fragment ${name} spreads itself`);
    this.#compiling.add(name);
    const cost = oncePerEvaluation(this.selectionSet(fragment.selectionSet, fragment.typeCondition.name.value, sized));
    this.#compiling.delete(name);

    if (byContext === undefined) this.#fragmentCosts.set(name, (byContext = new Map()));
    byContext.set(sized, cost);
    return cost;
  }
}
