import { GatewayError } from '../core/errors.ts';

/**
 * An operation whose estimated cost is over `max`. Code and wording as Apollo Router; the cost goes
 * in `extensions.cost: { estimated, max }` as Hive Gateway does (the router uses flat
 * `"cost.estimated"` / `"cost.max"` keys). HTTP 400: the request is refused before execution.
 */
export class CostEstimatedTooExpensiveError extends GatewayError {
  constructor(
    readonly estimated: number,
    readonly max: number,
  ) {
    super(
      'COST_ESTIMATED_TOO_EXPENSIVE',
      `Query estimated cost ${estimated} exceeded configured maximum ${max}`,
      { extensions: { cost: { estimated, max } } },
    );
  }
}

/**
 * The operation cannot be costed: it does not parse, names an unknown operation or field, or breaks a
 * `@listSize(requireOneSlicingArgument: true)` rule. Code and messages as Apollo Router's
 * COST_QUERY_PARSE_FAILURE.
 */
export class CostQueryError extends GatewayError {
  constructor(message: string) {
    super('COST_QUERY_PARSE_FAILURE', message);
  }
}
