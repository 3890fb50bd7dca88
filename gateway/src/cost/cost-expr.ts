// Costs as compiled from an operation: a number when nothing in it depends on the request's
// variables, else a function of them. The combinators fold constants, so an operation without
// variable-sized lists, variable arguments or variable @skip/@include compiles to one number.

/** One evaluation: the request's variables (with the operation's defaults filled in). */
export interface EvalContext {
  readonly variables: Readonly<Record<string, unknown>>;
}

export type CostFn = (ctx: EvalContext) => number;
export type Cost = number | CostFn;

/** A list length that may be unknown (no slicing argument given, no assumedSize). */
export type Size = number | undefined | ((ctx: EvalContext) => number | undefined);

/** Whether a selection is included: known now, or decided by a variable. */
export type Inclusion = boolean | ((ctx: EvalContext) => boolean);

export function evaluate(cost: Cost, ctx: EvalContext): number {
  return typeof cost === 'number' ? cost : cost(ctx);
}

export function sum(parts: readonly Cost[]): Cost {
  let constant = 0;
  const fns: CostFn[] = [];
  for (const part of parts) {
    if (typeof part === 'number') constant += part;
    else fns.push(part);
  }
  const [only] = fns;
  if (only === undefined) return constant;
  if (fns.length === 1 && constant === 0) return only;
  return (ctx) => {
    let total = constant;
    for (const fn of fns) total += fn(ctx);
    return total;
  };
}

/** count × each. A count function is always called: it may throw (requireOneSlicingArgument). */
export function times(count: Cost, each: Cost): Cost {
  if (typeof count === 'number') {
    if (typeof each === 'number') return count * each;
    if (count === 0) return 0;
    return count === 1 ? each : (ctx) => count * each(ctx);
  }
  if (typeof each === 'number') return (ctx) => count(ctx) * each;
  return (ctx) => count(ctx) * each(ctx);
}

export function when(inclusion: Inclusion, cost: Cost): Cost {
  if (typeof inclusion === 'boolean') return inclusion ? cost : 0;
  if (cost === 0) return 0;
  return typeof cost === 'number' ? (ctx) => (inclusion(ctx) ? cost : 0) : (ctx) => (inclusion(ctx) ? cost(ctx) : 0);
}

/** The first size that is known, in order; `fallback` when none is. */
export function firstSize(sizes: readonly Size[], fallback: number): Cost {
  if (sizes.every((s) => typeof s !== 'function')) {
    const known = sizes.find((s) => s !== undefined) as number | undefined;
    return known ?? fallback;
  }
  return (ctx) => {
    let result: number | undefined;
    for (const size of sizes) {
      // Every size function runs, so that a broken slicing rule is reported even when unused.
      const value = typeof size === 'function' ? size(ctx) : size;
      if (result === undefined) result = value;
    }
    return result ?? fallback;
  };
}

/** A function evaluated at most once per evaluation (fragments spread many times cost one call). */
export function oncePerEvaluation(cost: Cost): Cost {
  if (typeof cost === 'number') return cost;
  let lastCtx: EvalContext | undefined;
  let lastValue = 0;
  return (ctx) => {
    if (ctx !== lastCtx) {
      lastValue = cost(ctx);
      lastCtx = ctx;
    }
    return lastValue;
  };
}
