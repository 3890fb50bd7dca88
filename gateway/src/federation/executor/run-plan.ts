import type { ResponsePath } from '@apollo/query-planner';
import type { CachedFetch, EntityLookup, RequestCache } from '../../core/fetch-cache.ts';
import type { ConditionStep, FetchStep, ParallelStep, Step } from './compile-plan.ts';
import { FetchBatcher } from './batching/fetch-batcher.ts';
import { entityJob, entityPart, receivePart, subJob, type EntityJob } from './entity-fetch.ts';
import { fetchEntities, INVALIDATE_ENTITIES } from './entity-request.ts';
import { deepMerge, hasOwn, type JsonObject } from './merge.ts';
import { fetchVariables, NO_VARIABLES, pushAll, recordErrorPaths, sendBody, type PlanRun } from './plan-run.ts';
import { valuesAtPath } from './response-path.ts';
import { downstreamServiceError, ErrorPathMapper } from './subgraph-errors.ts';

export type { PlanRun } from './plan-run.ts';

interface Cursor {
  path: ResponsePath;
  data: unknown;
  fullResult: unknown;
}

/**
 * Runs the plan into `data` (the unshaped response tree); errors are collected in `run.errors`.
 * `batching`: the plan has entity fetches that may share a request (batching/batch-plan.ts).
 */
export async function runPlan(run: PlanRun, step: Step, data: JsonObject, batching = false): Promise<void> {
  if (batching) run.batcher = new FetchBatcher(run);
  await runStep(run, step, { path: [], data, fullResult: data });
}

async function runStep(run: PlanRun, step: Step, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (step.kind) {
    case 'Sequence':
      for (const child of step.steps) await runStep(run, child, cursor);
      return;
    case 'Parallel':
      if (run.batcher && step.steps.length > 1) await runBranches(run, run.batcher, step, cursor);
      else await Promise.all(step.steps.map((child) => runStep(run, child, cursor)));
      return;
    case 'Flatten':
      await runStep(run, step.step, moveInto(cursor, step.path));
      return;
    case 'Fetch':
      try {
        await runFetch(run, step, cursor);
      } catch (error) {
        run.errors.push(error);
      }
      return;
    case 'Condition': {
      const branch = conditionHolds(step, run.variables) ? step.ifClause : step.elseClause;
      if (branch) await runStep(run, branch, cursor);
      return;
    }
  }
}

/** A Parallel's branches, each reported to the batcher when it ends (it sends once all wait). */
async function runBranches(run: PlanRun, batcher: FetchBatcher, step: ParallelStep, cursor: Cursor): Promise<void> {
  let unfinished = step.steps.length;
  batcher.forked(unfinished);
  await Promise.all(
    step.steps.map(async (child) => {
      try {
        await runStep(run, child, cursor);
      } finally {
        if (--unfinished > 0) batcher.branchEnded();
      }
    }),
  );
}

function moveInto(cursor: Cursor, path: ResponsePath): Cursor | undefined {
  const data = valuesAtPath(cursor.data, path);
  return data ? { path: cursor.path.concat(path), data, fullResult: cursor.fullResult } : undefined;
}

function conditionHolds(step: ConditionStep, variables: Record<string, unknown> | undefined): boolean {
  let value = variables && hasOwn(variables, step.variable) ? variables[step.variable] : undefined;
  if (value === undefined) value = step.defaultValue;
  if (value === undefined) throw new Error(`Missing value for variable $${step.variable} (and no default found)`);
  if (typeof value !== 'boolean') throw new Error(`Invalid non-boolean value ${value} for Boolean! variable $${step.variable}`);
  return value;
}

async function runFetch(run: PlanRun, step: FetchStep, cursor: Cursor): Promise<void> {
  if (!step.sender) throw new Error(`Couldn't find service with name "${step.serviceName}"`);
  const entities = nonNullEntities(cursor.data);
  if (entities.length < 1) return;
  if (!step.requires) {
    await waitFor(run, fetchRoot(run, step, cursor, entities));
    return;
  }
  const job = entityJob(run.types, step, cursor.path, cursor.fullResult, entities);
  if (!job) return;
  const misses = run.cache && step.operationKind === 'query' ? await cachedEntities(run, run.cache, job) : job;
  if (!misses) return;
  if (step.batch && run.batcher) await run.batcher.fetch(misses);
  else await waitFor(run, fetchEntities(run, [entityPart([misses])]));
}

/**
 * Looks the job's representations up in the edge cache (one round trip), merges the hits, and
 * returns the job of the misses (which keeps their answers), or undefined when all hit.
 */
async function cachedEntities(run: PlanRun, cache: RequestCache, job: EntityJob): Promise<EntityJob | undefined> {
  const fetch = cachedFetch(run, job.step);
  let lookup: EntityLookup | undefined;
  await waitFor(
    run,
    cache.entities(fetch, job.unique).then((found) => {
      lookup = found;
    }),
  );
  if (!lookup) return job;
  const { hits } = lookup;
  const hitSlots: number[] = [];
  const missSlots: number[] = [];
  for (let slot = 0; slot < hits.length; slot++) (hits[slot] === undefined ? missSlots : hitSlots).push(slot);
  if (hitSlots.length > 0) {
    const items = hitSlots.map((slot) => JSON.parse(hits[slot] as string) as unknown);
    receivePart(run, entityPart([subJob(job, hitSlots)]), EMPTY_DATA, items, undefined);
  }
  if (missSlots.length === 0) return undefined;
  const store = lookup.store;
  return subJob(job, missSlots, (items, cacheControl) => store(missSlots, items, cacheControl));
}

const EMPTY_DATA: JsonObject = Object.freeze(Object.create(null));

/** A fetch as the edge cache keys it: subgraph, operation, the client variables it uses. */
function cachedFetch(run: PlanRun, step: FetchStep): CachedFetch {
  const variables = fetchVariables(step.variableUsages, run.variables);
  return { subgraph: step.serviceName, operation: step.node.operation, variables: variables === NO_VARIABLES ? '' : JSON.stringify(variables) };
}

/** A fetch the batcher does not hold back still tells it that its branch waits. */
function waitFor(run: PlanRun, fetch: Promise<void>): Promise<void> {
  return run.batcher ? run.batcher.waitFor(fetch) : fetch;
}

/** A root fetch (no representations): its answer (or the edge cache's) merged into the objects at its path. */
async function fetchRoot(run: PlanRun, step: FetchStep, cursor: Cursor, entities: JsonObject[]): Promise<void> {
  const lookup = run.cache && step.operationKind === 'query' ? await run.cache.root(cachedFetch(run, step)) : undefined;
  if (lookup?.hit !== undefined) {
    mergeRoot(step, JSON.parse(lookup.hit) as JsonObject, entities);
    return;
  }
  const variables = fetchVariables(step.variableUsages, run.variables);
  const response = await sendBody(run, step, `${step.bodyPrefix}${variables === NO_VARIABLES ? '{}' : JSON.stringify(variables)}}`);
  const listed = response.extensions?.[INVALIDATE_ENTITIES];
  if (listed !== undefined && run.cacheHook) await run.cacheHook.invalidateListed(step.serviceName, listed);
  if (lookup && !response.errors) lookup.store(response.data, response.http?.headers.get('cache-control') ?? undefined);
  if (response.errors) {
    const mapper = new ErrorPathMapper(cursor.path, cursor.fullResult);
    pushAll(
      run.errors,
      response.errors.map((error) => downstreamServiceError(error, step.serviceName, mapper.map(error.path))),
    );
    if (!response.extensions?.['ftv1']) recordErrorPaths(run, step.serviceName, response.errors);
  }
  mergeRoot(step, response.data as JsonObject | null | undefined, entities);
}

function mergeRoot(step: FetchStep, received: JsonObject | null | undefined, entities: JsonObject[]): void {
  if (received) step.outputRewrites?.(received);
  for (const entity of entities) deepMerge(entity, received);
}

function nonNullEntities(data: unknown): JsonObject[] {
  if (!Array.isArray(data)) return [data as JsonObject];
  const entities: JsonObject[] = [];
  for (const item of data) if (item !== null && item !== undefined) entities.push(item as JsonObject);
  return entities;
}
