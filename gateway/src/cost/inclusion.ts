// @skip / @include: a skipped selection costs nothing. Literal conditions are decided when the
// operation is compiled, variable ones per request (the router reads literals only).
import { Kind, type DirectiveNode, type ValueNode } from 'graphql';
import type { EvalContext, Inclusion } from './cost-expr.ts';

export function inclusion(directives: readonly DirectiveNode[] | undefined): Inclusion {
  if (directives === undefined || directives.length === 0) return true;
  let skip: Inclusion = false;
  let include: Inclusion = true;
  for (const directive of directives) {
    const condition = directive.arguments?.find((a) => a.name.value === 'if')?.value;
    if (condition === undefined) continue;
    // An unknown value counts the selection: estimates err on the side of cost.
    if (directive.name.value === 'skip') skip = flag(condition, false);
    else if (directive.name.value === 'include') include = flag(condition, true);
  }
  if (typeof skip === 'boolean' && typeof include === 'boolean') return !skip && include;
  const s = skip;
  const i = include;
  return (ctx) => !(typeof s === 'boolean' ? s : s(ctx)) && (typeof i === 'boolean' ? i : i(ctx));
}

/** Evaluates a condition now (for actual cost, where variables are known). */
export function isIncluded(directives: readonly DirectiveNode[] | undefined, ctx: EvalContext): boolean {
  const result = inclusion(directives);
  return typeof result === 'boolean' ? result : result(ctx);
}

function flag(value: ValueNode, unknown: boolean): Inclusion {
  if (value.kind === Kind.BOOLEAN) return value.value;
  if (value.kind !== Kind.VARIABLE) return unknown;
  const name = value.name.value;
  return (ctx) => {
    const v = ctx.variables[name];
    return typeof v === 'boolean' ? v : unknown;
  };
}
