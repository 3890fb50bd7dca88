// The size a field's own @listSize gives it for one selection, as the router computes it: the
// slicing arguments' defaults, overwritten by the Int literals or Int variables the selection passes;
// the largest wins, else `assumedSize`. With `requireOneSlicingArgument` (the default) exactly one
// slicing argument must have a value, else the operation cannot be costed.
//
// An explicit `null` (a literal, or a variable sent as null) is what the subgraph receives: GraphQL
// applies the schema default only to an absent argument, so null must not be priced with it. It is
// costed like an argument that is absent and has no default (Apollo's demand control): it names
// no size, so the others' largest, else `assumedSize`, else the configured `list_size`. It still
// counts as the one slicing argument the client passed. An absent variable (none sent, no
// variable default) leaves the argument absent: the schema default applies.
import { Kind, type FieldNode } from 'graphql';
import type { EvalContext, Size } from './cost-expr.ts';
import { CostQueryError } from './errors.ts';
import type { FieldCost, ListSizeSpec } from './model.ts';

export function ownListSize(field: FieldCost, node: FieldNode): Size {
  const spec = field.listSize;
  if (spec === undefined) return undefined;
  const slicing = spec.slicingArguments;
  if (slicing === undefined) return spec.assumedSize;

  const known = new Map<string, number | null>();
  for (const name of slicing) {
    const fallback = field.args.get(name)?.defaultInt;
    if (fallback !== undefined) known.set(name, fallback);
  }
  const fromVariables: [argument: string, variable: string][] = [];
  for (const argument of node.arguments ?? []) {
    const name = argument.name.value;
    if (!slicing.includes(name)) continue;
    if (argument.value.kind === Kind.INT) known.set(name, Number.parseInt(argument.value.value, 10));
    else if (argument.value.kind === Kind.NULL) known.set(name, null);
    else if (argument.value.kind === Kind.VARIABLE) fromVariables.push([name, argument.value.name.value]);
  }

  if (fromVariables.length === 0) return expectedSize(spec, known);
  return (ctx: EvalContext) => {
    const values = new Map(known);
    for (const [argument, variable] of fromVariables) {
      const value = ctx.variables[variable];
      if (Number.isInteger(value)) values.set(argument, value as number);
      else if (value === null) values.set(argument, null); // sent as null (or a null variable default)
      // Absent, or not an Int (variable coercion refuses it): the argument default stays, as the router.
    }
    return expectedSize(spec, values);
  };
}

/** Slicing argument → its size, or null when it was passed as null (no size, but passed). */
type SlicingValues = ReadonlyMap<string, number | null>;

function expectedSize(spec: ListSizeSpec, values: SlicingValues): number | undefined {
  if (spec.requireOneSlicingArgument && values.size !== 1) {
    throw new CostQueryError(`Exactly one slicing argument is required, but found ${values.size}`);
  }
  const sizes = [...values.values()].filter((v): v is number => v !== null);
  // No size named (none given, or only nulls): assumedSize, else the caller's list_size.
  if (sizes.length === 0) return spec.assumedSize;
  // A negative page size must not lower the estimate of the rest of the operation.
  return Math.max(0, ...sizes);
}
