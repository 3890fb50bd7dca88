import type { FetchStep, Step } from '../compile-plan.ts';
import { combineOperations, parseEntityOperation, type CombinedOperation, type EntityOperation } from './batch-operation.ts';

/** What planBatches gives an entity fetch that may share a request with others of its subgraph. */
export interface FetchBatching {
  readonly group: BatchGroup;
  /** Fetches with one id send the same operation (names aside) with the same inputs: one `_entities` list. */
  readonly operationId: number;
  readonly operation: EntityOperation;
}

/** Distinct combinations kept per subgraph and plan; a plan runs the same few again and again. */
const MAX_COMBINATIONS = 32;

/** One plan's batchable fetches to one subgraph, and the batched operations built for them so far. */
export class BatchGroup {
  private readonly combined = new Map<string, CombinedOperation | null>();

  constructor(readonly serviceName: string) {}

  /** The operation of these parts (distinct operation ids, in order), built once per combination. */
  combine(parts: readonly FetchBatching[]): CombinedOperation | undefined {
    const key = parts.map((part) => part.operationId).join(',');
    let found = this.combined.get(key);
    if (found === undefined) {
      found = combineOperations(parts.map((part) => part.operation)) ?? null;
      if (this.combined.size < MAX_COMBINATIONS) this.combined.set(key, found);
    }
    return found ?? undefined;
  }
}

interface Branch {
  container: Step;
  index: number;
}

interface Located {
  step: FetchStep;
  /** The containers from the root down to the fetch, and which child of each leads to it. */
  trail: Branch[];
}

/**
 * Marks the plan's entity fetches that may go out in one request with others of their subgraph:
 * those that can be in flight at the same time as another, i.e. whose nearest common container
 * with it is a Parallel (never a Sequence or the two branches of a Condition). Which of them are
 * really sent together is decided per run (fetch-batcher.ts). Query entity fetches only, and only
 * to subgraphs that allow it (`batch_entity_fetches`). True when any fetch was marked.
 */
export function planBatches(root: Step | undefined): boolean {
  if (!root) return false;
  const found: Located[] = [];
  collect(root, [], found);
  const bySubgraph = new Map<string, Located[]>();
  for (const located of found) {
    const list = bySubgraph.get(located.step.serviceName);
    if (list) list.push(located);
    else bySubgraph.set(located.step.serviceName, [located]);
  }
  let any = false;
  for (const [serviceName, list] of bySubgraph) {
    if (list.length < 2) continue;
    const parsed = list.flatMap((located) => {
      const operation = parseEntityOperation(located.step.node.operation);
      return operation ? [{ ...located, operation }] : [];
    });
    const group = new BatchGroup(serviceName);
    const ids = new Map<string, number>();
    for (const candidate of parsed) {
      if (!parsed.some((other) => other !== candidate && concurrent(candidate.trail, other.trail))) continue;
      const identity = operationIdentity(candidate.step, candidate.operation);
      let operationId = ids.get(identity);
      if (operationId === undefined) {
        operationId = ids.size;
        ids.set(identity, operationId);
      }
      candidate.step.batch = { group, operationId, operation: candidate.operation };
      any = true;
    }
  }
  return any;
}

function collect(step: Step, trail: Branch[], out: Located[]): void {
  switch (step.kind) {
    case 'Sequence':
    case 'Parallel':
      step.steps.forEach((child, index) => collect(child, [...trail, { container: step, index }], out));
      return;
    case 'Flatten':
      collect(step.step, trail, out);
      return;
    case 'Condition':
      if (step.ifClause) collect(step.ifClause, [...trail, { container: step, index: 0 }], out);
      if (step.elseClause) collect(step.elseClause, [...trail, { container: step, index: 1 }], out);
      return;
    case 'Fetch':
      if (batchable(step)) out.push({ step, trail });
      return;
  }
}

/** An entity fetch that may share a request: a query, to a subgraph that allows it. */
export function batchable(step: FetchStep): boolean {
  return (
    step.requires !== undefined &&
    step.operationKind === 'query' &&
    step.sender !== undefined &&
    step.sender.batchEntityFetches !== false &&
    // A fetch using a client variable named so fails alone, as in Apollo's executor.
    !step.variableUsages.includes('representations')
  );
}

/** Two fetches can be in flight together when the container where their trails part is a Parallel. */
function concurrent(a: readonly Branch[], b: readonly Branch[]): boolean {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a[i] as Branch;
    const y = b[i] as Branch;
    if (x.index !== y.index) return x.container.kind === 'Parallel';
  }
  return false;
}

/** Equal for fetches that send the same thing for the same representations and treat the answer alike. */
function operationIdentity(step: FetchStep, operation: EntityOperation): string {
  const { node } = step;
  return JSON.stringify([operation.text, node.requires, node.inputRewrites ?? null, node.outputRewrites ?? null, step.variableUsages]);
}
