import { useSyncExternalStore } from 'react';
import { runFacts, type QueryPlanNode, type RunFacts } from './result-store.ts';

/** Beside the result: request id, estimated and actual cost, quota left, and the query plan. */
export function RunPanel({ planAllowed }: { planAllowed: boolean }) {
  const facts = useSyncExternalStore(runFacts.subscribe, runFacts.get);
  if (facts === undefined) return <div className="tollgate-run" data-testid="tollgate-run">Run an operation to see its request id, cost, quota and query plan.</div>;
  return (
    <div className="tollgate-run" data-testid="tollgate-run">
      <dl>
        <Fact label="HTTP status" value={String(facts.status)} testId="status" />
        <Fact label="Request ID" value={facts.requestId ?? '—'} testId="request-id" />
        <Fact label="Cost (estimated / actual)" value={costText(facts)} testId="cost" />
        <Fact label="Quota left" value={quotaText(facts)} testId="quota" />
        <Fact label="Time" value={`${facts.durationMs} ms`} testId="time" />
      </dl>
      <div className="tollgate-plan" data-testid="query-plan">
        <strong>Query plan</strong>
        {facts.queryPlan === undefined ? (
          <p>{planAllowed ? 'None (refused before planning, or not planned).' : 'Not exposed: set explorer.expose_query_plan (never in production).'}</p>
        ) : facts.queryPlan.node === null ? (
          <p>No subgraph fetch (answered by the gateway alone).</p>
        ) : (
          <>
            <p>{facts.queryPlan.fetches} subgraph fetch{facts.queryPlan.fetches === 1 ? '' : 'es'}</p>
            <PlanTree node={facts.queryPlan.node} />
          </>
        )}
      </div>
    </div>
  );
}

function Fact({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </>
  );
}

function costText(facts: RunFacts): string {
  const cost = facts.cost;
  if (cost === undefined) return 'not computed (demand_control and cost quotas off)';
  return `${cost.requestedQueryCost ?? '—'} / ${cost.actualQueryCost ?? '—'}`;
}

function quotaText(facts: RunFacts): string {
  const parts: string[] = [];
  if (facts.remaining !== null) parts.push(`${facts.remaining} of ${facts.limit ?? '?'} (tightest policy)`);
  const budget = facts.cost?.throttleStatus;
  if (budget) parts.push(`cost budget ${budget.currentlyAvailable} of ${budget.maximumAvailable}`);
  return parts.length > 0 ? parts.join('; ') : 'no quota applies';
}

/** A plan as nested lists: Sequence runs its steps in order, Parallel at the same time. */
function PlanTree({ node }: { node: QueryPlanNode }) {
  return (
    <ul className="tollgate-plan-tree">
      <PlanItem node={node} />
    </ul>
  );
}

function PlanItem({ node }: { node: QueryPlanNode }) {
  const label =
    node.kind === 'Fetch'
      ? `Fetch from ${node.subgraph}${node.path ? ` at ${node.path}` : ''}`
      : node.kind === 'Sequence'
        ? 'Sequence (one after another)'
        : node.kind === 'Parallel'
          ? 'Parallel (at the same time)'
          : node.kind === 'Condition'
            ? `If $${node.condition}`
            : node.kind;
  return (
    <li>
      <span className={`tollgate-plan-${node.kind.toLowerCase()}`}>{label}</span>
      {node.nodes && node.nodes.length > 0 ? (
        <ul>
          {node.nodes.map((child, index) => (
            <PlanItem key={index} node={child} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}
