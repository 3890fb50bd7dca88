import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { partAlias } from './batching/batch-operation.ts';
import { entityPart, receivePart, type EntityJob, type EntityPart } from './entity-fetch.ts';
import type { JsonObject } from './merge.ts';
import { fetchVariables, openVariables, recordErrorPaths, sendBody, type PlanRun } from './plan-run.ts';

/**
 * Sends entity parts to their subgraph in ONE request and gives each job its answer exactly as
 * if it had been sent alone. One part: its operation with all its representations. Several: one
 * operation with an aliased `_entities` per part (`_0`, `_1`, …, each with its own
 * representations variable); part k's answer is `data._k` and its errors those whose path starts
 * with `_k`. Errors naming no part go with the first part when data came back, and to every fetch
 * when none did (the request failed as a whole: each alone would have failed the same way). A
 * lone fetch's failure throws, as before batching; a shared request's is recorded once per fetch.
 */
export async function fetchEntities(run: PlanRun, parts: readonly EntityPart[]): Promise<void> {
  const step = firstJob(parts[0] as EntityPart).step;
  const jobCount = parts.reduce((sum, part) => sum + part.jobs.length, 0);
  let body: string;
  if (parts.length === 1) {
    const variables = fetchVariables(step.variableUsages, run.variables);
    if ('representations' in variables) throw new Error('Variables cannot contain key "representations"');
    body = `${step.bodyPrefix}${openVariables(variables)}"representations":[${(parts[0] as EntityPart).unique.join(',')}]}}`;
  } else {
    const combined = step.batch?.group.combine(parts.map((part) => firstJob(part).step.batch!));
    if (!combined) {
      await Promise.all(parts.map((part) => fetchAlone(run, [part])));
      return;
    }
    body = combined.bodyPrefix + openVariables(fetchVariables(combined.variableUsages, run.variables));
    for (let k = 0; k < parts.length; k++) {
      body += `${k === 0 ? '' : ','}${combined.representationKeys[k]}[${(parts[k] as EntityPart).unique.join(',')}]`;
    }
    body += '}}';
  }

  let response: GatewayGraphQLResponse;
  try {
    response = await sendBody(run, step, body);
  } catch (error) {
    if (jobCount === 1) throw error;
    let first = true;
    for (const part of parts) {
      for (let j = 0; j < part.jobs.length; j++, first = false) run.errors.push(first ? error : copyError(error));
    }
    return;
  }
  const listed = response.extensions?.[INVALIDATE_ENTITIES];
  if (listed !== undefined && run.cacheHook) await run.cacheHook.invalidateListed(step.serviceName, listed);
  const data = response.data as JsonObject | null | undefined;
  const ftv1 = Boolean(response.extensions?.['ftv1']);
  const cacheControl = response.http?.headers.get('cache-control') ?? undefined;
  if (jobCount === 1) {
    // The common case, as before batching.
    if (response.errors && !ftv1) recordErrorPaths(run, step.serviceName, response.errors);
    receivePart(run, parts[0] as EntityPart, data, data ? data['_entities'] : undefined, response.errors, cacheControl);
    return;
  }

  const byPart: GraphQLFormattedError[][] = parts.map(() => []);
  const loose: GraphQLFormattedError[] = [];
  const asSent: GraphQLFormattedError[] = [];
  for (const error of response.errors ?? []) {
    const k = partOf(error.path, parts.length);
    if (k === undefined) {
      loose.push(error);
      asSent.push(error);
    } else {
      // A lone fetch's error path: `_entities`, then the representation's index and the rest.
      const own = parts.length === 1 ? error : { ...error, path: ['_entities', ...(error.path as ReadonlyArray<string | number>).slice(1)] };
      (byPart[k] as GraphQLFormattedError[]).push(own);
      asSent.push(own);
    }
  }
  if (!data && byPart.some((errors) => errors.length > 0)) {
    // One part's error nulled the whole answer (its `_entities` failed as a whole); alone, the
    // other fetches may well have been answered: each is asked again, alone.
    await Promise.all(parts.flatMap((part) => part.jobs.map((job) => fetchAlone(run, [entityPart([job])]))));
    return;
  }
  if (asSent.length > 0 && !ftv1) recordErrorPaths(run, step.serviceName, asSent);
  if (!data) {
    for (const part of parts) for (const job of part.jobs) receivePart(run, entityPart([job]), data, undefined, loose);
    return;
  }
  for (let k = 0; k < parts.length; k++) {
    const own = byPart[k] as GraphQLFormattedError[];
    const errors = k === 0 && loose.length > 0 ? [...loose, ...own] : own;
    receivePart(run, parts[k] as EntityPart, data, data[parts.length === 1 ? '_entities' : partAlias(k)], errors, cacheControl);
  }
}

/** The extension a subgraph answer lists changed entities in, for the edge cache (README "Caching at the edge"). */
export const INVALIDATE_ENTITIES = 'invalidateEntities';

/** A fetch of its own; its failure recorded rather than thrown (others share the caller). */
async function fetchAlone(run: PlanRun, parts: readonly EntityPart[]): Promise<void> {
  try {
    await fetchEntities(run, parts);
  } catch (error) {
    run.errors.push(error);
  }
}

const firstJob = (part: EntityPart) => part.jobs[0] as EntityJob;

/** The part an error's path names: `_entities` for a single part, `_k` for part k of several. */
function partOf(path: ReadonlyArray<string | number> | undefined, parts: number): number | undefined {
  const head = path?.[0];
  if (typeof head !== 'string') return undefined;
  if (parts === 1) return head === '_entities' ? 0 : undefined;
  if (!/^_(0|[1-9]\d{0,5})$/.test(head)) return undefined;
  const k = Number(head.slice(1));
  return k < parts ? k : undefined;
}

/** Each fetch of a failed shared request gets its own error object (executors attach paths to them). */
function copyError(error: unknown): unknown {
  return error instanceof GraphQLError ? new GraphQLError(error.message, { extensions: error.extensions }) : error;
}
