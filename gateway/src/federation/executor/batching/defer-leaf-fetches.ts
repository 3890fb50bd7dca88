import type { FetchStep, ParallelStep, SequenceStep, Step } from '../compile-plan.ts';
import { batchable } from './batch-plan.ts';

/**
 * Moves an entity fetch that nothing waits for (a direct child of a Parallel) to run beside a
 * later fetch of the same subgraph in a sibling Sequence, so that the two can share one request
 * (fetch-batcher.ts). The heavy query's `inStock` fetch, for one, goes with the `inventory` fetch
 * of `shippingEstimate` that must wait for `products`: one request instead of two. Each keeps its
 * own representations and answer (two parts of one request), so nothing in the answer changes; the
 * moved fetch only starts later, and ends no later than the Parallel it was in. Only fetches that
 * may be batched move (batch-plan.ts `batchable`), and only after the first step of the Sequence.
 */
export function deferLeafFetches(step: Step | undefined): Step | undefined {
  if (!step) return step;
  switch (step.kind) {
    case 'Sequence':
      return { ...step, steps: step.steps.map((s) => deferLeafFetches(s) as Step) };
    case 'Parallel':
      return deferInParallel({ ...step, steps: step.steps.map((s) => deferLeafFetches(s) as Step) });
    case 'Flatten':
      return { ...step, step: deferLeafFetches(step.step) as Step };
    case 'Condition':
      return { ...step, ifClause: deferLeafFetches(step.ifClause), elseClause: deferLeafFetches(step.elseClause) };
    case 'Fetch':
      return step;
  }
}

function deferInParallel(parallel: ParallelStep): Step {
  const steps = [...parallel.steps];
  const moved = new Set<Step>();
  for (const child of parallel.steps) {
    const fetch = leafFetch(child);
    const target = fetch && laterFetchOf(steps, fetch.serviceName);
    if (!target) continue;
    const { position, index } = target;
    const sequence = steps[position] as SequenceStep;
    const beside = sequence.steps[index] as Step;
    const together: Step = beside.kind === 'Parallel' ? { ...beside, steps: [...beside.steps, child] } : { kind: 'Parallel', steps: [beside, child] };
    steps[position] = { ...sequence, steps: sequence.steps.map((s, i) => (i === index ? together : s)) };
    moved.add(child);
  }
  if (moved.size === 0) return parallel;
  const kept = steps.filter((s) => !moved.has(s));
  return kept.length === 1 ? (kept[0] as Step) : { ...parallel, steps: kept };
}

/** The batchable entity fetch a step is (under its Flatten), if it is nothing more. */
function leafFetch(step: Step): FetchStep | undefined {
  const inner = step.kind === 'Flatten' ? step.step : step;
  return inner.kind === 'Fetch' && batchable(inner) ? inner : undefined;
}

/** Where among `steps` a Sequence runs a batchable fetch of `serviceName` after its first step. */
function laterFetchOf(steps: readonly Step[], serviceName: string): { position: number; index: number } | undefined {
  for (let position = 0; position < steps.length; position++) {
    const step = steps[position] as Step;
    if (step.kind !== 'Sequence') continue;
    for (let index = 1; index < step.steps.length; index++) {
      if (startsFetchOf(step.steps[index] as Step, serviceName)) return { position, index };
    }
  }
  return undefined;
}

/** Whether the step runs, at its start, a batchable fetch of `serviceName`. */
function startsFetchOf(step: Step, serviceName: string): boolean {
  if (step.kind === 'Parallel') return step.steps.some((s) => startsFetchOf(s, serviceName));
  const fetch = leafFetch(step);
  return fetch !== undefined && fetch.serviceName === serviceName;
}
