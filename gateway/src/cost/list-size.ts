// The size a field's own @listSize gives it for one selection, as the router computes it: the
// slicing arguments' defaults, overwritten by the Int literals or Int variables the selection passes;
// the largest wins, else `assumedSize`. With `requireOneSlicingArgument` (the default) exactly one
// slicing argument must have a value, else the operation cannot be costed.
import { Kind, type FieldNode } from 'graphql';
import type { EvalContext, Size } from './cost-expr.ts';
import { CostQueryError } from './errors.ts';
import type { FieldCost, ListSizeSpec } from './model.ts';

export function ownListSize(field: FieldCost, node: FieldNode): Size {
  const spec = field.listSize;
  if (spec === undefined) return undefined;
  const slicing = spec.slicingArguments;
  if (slicing === undefined) return spec.assumedSize;

  const known = new Map<string, number>();
  for (const name of slicing) {
    const fallback = field.args.get(name)?.defaultInt;
    if (fallback !== undefined) known.set(name, fallback);
  }
  const fromVariables: [argument: string, variable: string][] = [];
  for (const argument of node.arguments ?? []) {
    const name = argument.name.value;
    if (!slicing.includes(name)) continue;
    if (argument.value.kind === Kind.INT) known.set(name, Number.parseInt(argument.value.value, 10));
    else if (argument.value.kind === Kind.VARIABLE) fromVariables.push([name, argument.value.name.value]);
  }

  if (fromVariables.length === 0) return expectedSize(spec, known);
  return (ctx: EvalContext) => {
    const values = new Map(known);
    for (const [argument, variable] of fromVariables) {
      const value = ctx.variables[variable];
      // A variable that is absent, null or not an Int leaves the default in place, as the router.
      if (Number.isInteger(value)) values.set(argument, value as number);
    }
    return expectedSize(spec, values);
  };
}

function expectedSize(spec: ListSizeSpec, values: ReadonlyMap<string, number>): number | undefined {
  if (spec.requireOneSlicingArgument && values.size !== 1) {
    throw new CostQueryError(`Exactly one slicing argument is required, but found ${values.size}`);
  }
  if (values.size === 0) return spec.assumedSize;
  // A negative page size must not lower the estimate of the rest of the operation.
  return Math.max(0, ...values.values());
}
