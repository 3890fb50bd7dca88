import type { DocumentNode } from 'graphql';
import type { EvalContext } from './cost-expr.ts';
import type { CostModel } from './model.ts';
import type { CompiledOperation } from './operation-cache.ts';

export type Variables = Readonly<Record<string, unknown>> | null | undefined;

/**
 * The static (estimated) cost of one operation of a document, as Apollo Router's demand control
 * estimates it. Compiled once per (document, operation name) and cached on the model; throws
 * CostQueryError when the operation cannot be costed.
 */
export function estimateCost(
  model: CostModel,
  document: string | DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
): number {
  const compiled = model.operations.get(model, document, operationName);
  const cost = compiled.cost;
  if (typeof cost === 'number') return cost;
  if (typeof cost !== 'function') throw cost;
  return cost(evalContext(compiled, variables));
}

/** A fresh context per evaluation: the request's variables over the operation's defaults. */
export function evalContext(compiled: CompiledOperation, variables: Variables): EvalContext {
  const given = variables ?? {};
  return { variables: compiled.variableDefaults === undefined ? given : { ...compiled.variableDefaults, ...given } };
}
