import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { ResponsePath } from '@apollo/query-planner';
import type { FetchStep } from './compile-plan.ts';
import { deepMerge, defineOwn, type JsonObject } from './merge.ts';
import type { PlanRun } from './plan-run.ts';
import { selectRepresentation, writeFlatRepresentation } from './representations.ts';
import { downstreamServiceError, ErrorPathMapper } from './subgraph-errors.ts';
import type { TypeConditions } from './type-conditions.ts';

/** One entity fetch node at its path in this run: its entities and the representations they make. */
export interface EntityJob {
  readonly step: FetchStep;
  readonly path: ResponsePath;
  readonly fullResult: unknown;
  readonly entities: JsonObject[];
  /** The JSON of each distinct representation, in first-seen order (identical ones are sent once). */
  readonly unique: string[];
  /** What made each of `unique` distinct: its JSON, plus the entity's __typename when input rewrites apply. */
  readonly keys: string[];
  /** Per representation (in entity order): its slot in `unique`... */
  readonly slotOf: number[];
  /** ...and the index of the entity it was built from. */
  readonly entityOf: number[];
  /** Given the subgraph's items for `unique`, in its order, before anything merges them (the edge cache keeps them); only for an answer without errors. */
  readonly received?: ((items: readonly unknown[], cacheControl: string | undefined) => void) | undefined;
}

/** The job of an entity fetch, or undefined when no entity has a representation (nothing to send). */
export function entityJob(types: TypeConditions, step: FetchStep, path: ResponsePath, fullResult: unknown, entities: JsonObject[]): EntityJob | undefined {
  const unique: string[] = [];
  const keys: string[] = step.dedupeKeyNeedsTypename ? [] : unique;
  const slotOf: number[] = [];
  const entityOf: number[] = [];
  const slots = new Map<string, number>();
  const requires = step.requires as NonNullable<FetchStep['requires']>;
  for (let index = 0; index < entities.length; index++) {
    const entity = entities[index] as JsonObject;
    let json: string | undefined;
    if (step.flatRepresentation) {
      json = writeFlatRepresentation(types, entity, step.flatRepresentation);
      if (json === undefined) continue;
    } else {
      const representation = selectRepresentation(types, entity, requires);
      if (!representation || !representation['__typename']) continue;
      step.inputRewrites?.(representation);
      json = JSON.stringify(representation);
    }
    // Representations that differ only through input rewrites (an @interfaceObject's concrete
    // types) stay apart: each gets its own __typename back.
    const key = step.dedupeKeyNeedsTypename ? `${json}\u0000${String(entity['__typename'])}` : json;
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = unique.length;
      slots.set(key, slot);
      unique.push(json);
      if (keys !== unique) keys.push(key);
    }
    entityOf.push(index);
    slotOf.push(slot);
  }
  return slotOf.length > 0 ? { step, path, fullResult, entities, unique, keys, slotOf, entityOf } : undefined;
}

/**
 * Jobs sending one operation (the same fetch at several paths, or several fetch nodes alike but
 * for their names): one `_entities` list, identical representations sent once across them.
 */
export interface EntityPart {
  readonly jobs: readonly EntityJob[];
  readonly unique: readonly string[];
  /** Per job, the part's slot of each of the job's slots; undefined for a lone job (the same). */
  readonly slots: ReadonlyArray<readonly number[]> | undefined;
}

export function entityPart(jobs: readonly EntityJob[]): EntityPart {
  if (jobs.length === 1) return { jobs, unique: (jobs[0] as EntityJob).unique, slots: undefined };
  const unique: string[] = [];
  const index = new Map<string, number>();
  const slots = jobs.map((job) =>
    job.keys.map((key, own) => {
      let slot = index.get(key);
      if (slot === undefined) {
        slot = unique.length;
        index.set(key, slot);
        unique.push(job.unique[own] as string);
      }
      return slot;
    }),
  );
  return { jobs, unique, slots };
}

/**
 * A part's answer, handed to each job as if it had been sent alone, job after job: its subgraph
 * errors at its own entities' paths, then its entities merged (or the error of a malformed
 * answer). `errors` are the part's, with paths as a lone fetch gets them (`_entities`, i, …);
 * `list` is what came back for its `_entities` field, `data` the answer's data.
 */
export function receivePart(
  run: PlanRun,
  part: EntityPart,
  data: JsonObject | null | undefined,
  list: unknown,
  errors: readonly GraphQLFormattedError[] | undefined,
  cacheControl?: string | undefined,
): void {
  const byJob = errors && errors.length > 0 ? clientErrors(part, errors) : undefined;
  // Before any merge: merging prepares the items in place (__typename, rewrites).
  if (!byJob && data && Array.isArray(list) && list.length === part.unique.length) handItems(part, list, cacheControl);
  const firstUser = data ? new Int32Array(part.unique.length).fill(-1) : undefined;
  for (let j = 0; j < part.jobs.length; j++) {
    const job = part.jobs[j] as EntityJob;
    const jobErrors = byJob?.[j];
    if (jobErrors) for (const error of jobErrors) run.errors.push(error);
    if (!firstUser) continue;
    try {
      if (!(list && Array.isArray(list))) throw new Error(`Expected "data._entities" in response to be an array`);
      if (list.length !== part.unique.length) throw new Error(`Expected "data._entities" to contain ${job.slotOf.length} elements`);
      mergeJob(part, j, list as Array<JsonObject | null>, firstUser);
    } catch (error) {
      run.errors.push(error);
    }
  }
}

/** Each job that asks for them (`received`) gets its items, in its own order. */
function handItems(part: EntityPart, list: readonly unknown[], cacheControl: string | undefined): void {
  for (let j = 0; j < part.jobs.length; j++) {
    const job = part.jobs[j] as EntityJob;
    if (job.received === undefined) continue;
    const own = part.slots?.[j];
    job.received(
      job.unique.map((_, s) => list[own ? (own[s] as number) : s]),
      cacheControl,
    );
  }
}

/**
 * The job of `job`'s entities whose representations are at `slots` (of its `unique`), in the
 * same order: a cache's hits, or its misses (`received` then gets their answers).
 */
export function subJob(job: EntityJob, slots: readonly number[], received?: EntityJob['received']): EntityJob {
  const newSlot = new Int32Array(job.unique.length).fill(-1);
  const unique: string[] = [];
  const keys: string[] = [];
  slots.forEach((slot, n) => {
    newSlot[slot] = n;
    unique.push(job.unique[slot] as string);
    keys.push(job.keys[slot] as string);
  });
  const slotOf: number[] = [];
  const entityOf: number[] = [];
  for (let i = 0; i < job.slotOf.length; i++) {
    const slot = newSlot[job.slotOf[i] as number] as number;
    if (slot === -1) continue;
    slotOf.push(slot);
    entityOf.push(job.entityOf[i] as number);
  }
  return { step: job.step, path: job.path, fullResult: job.fullResult, entities: job.entities, unique, keys: job.keys === job.unique ? unique : keys, slotOf, entityOf, received };
}

/**
 * Merges each `_entities` answer into every entity of job `j` that sent its representation. An
 * answer is prepared once (its __typename, its output rewrites), as Apollo does once per
 * representation; a job other than the first to use it merges a copy, so that fetches at
 * different paths never share response objects (later fetches below them may differ).
 */
function mergeJob(part: EntityPart, j: number, received: Array<JsonObject | null>, firstUser: Int32Array): void {
  const job = part.jobs[j] as EntityJob;
  const own = part.slots?.[j];
  let copies: Map<number, JsonObject | null> | undefined;
  for (let i = 0; i < job.slotOf.length; i++) {
    const slot = own ? (own[job.slotOf[i] as number] as number) : (job.slotOf[i] as number);
    const entity = job.entities[job.entityOf[i] as number] as JsonObject;
    let answer = received[slot] as JsonObject | null;
    const user = firstUser[slot] as number;
    if (user === -1) {
      firstUser[slot] = j;
      if (answer && !answer['__typename']) answer['__typename'] = entity['__typename'];
      job.step.outputRewrites?.(answer);
    } else if (user !== j) {
      copies ??= new Map();
      let copy = copies.get(slot);
      if (copy === undefined) {
        copy = copyJson(answer) as JsonObject | null;
        copies.set(slot, copy);
      }
      answer = copy;
    }
    deepMerge(entity, answer);
  }
}

/**
 * Each job's errors, at its own paths. A lone job without duplicates maps them as they came.
 * Otherwise an error of representation slot s is given once per representation sent in s, in
 * entity order, job after job: what the subgraph would have answered had every entity been
 * sent. Errors about no representation in particular come first, with the first job, as do
 * those of an index the subgraph made up (last).
 */
function clientErrors(part: EntityPart, errors: readonly GraphQLFormattedError[]): GraphQLError[][] {
  const jobs = part.jobs;
  const serviceName = (jobs[0] as EntityJob).step.serviceName;
  const mappers = jobs.map((job) => new ErrorPathMapper(job.path, job.fullResult, job.entityOf));
  const first = mappers[0] as ErrorPathMapper;
  if (jobs.length === 1 && part.unique.length === (jobs[0] as EntityJob).slotOf.length) {
    return [errors.map((error) => downstreamServiceError(error, serviceName, first.map(error.path)))];
  }
  const byJob: GraphQLError[][] = jobs.map(() => []);
  const bySlot = new Map<number, GraphQLFormattedError[]>();
  for (const error of errors) {
    const slot = error.path?.[1];
    if (typeof slot !== 'number') {
      (byJob[0] as GraphQLError[]).push(downstreamServiceError(error, serviceName, first.map(error.path)));
    } else {
      const list = bySlot.get(slot);
      if (list) list.push(error);
      else bySlot.set(slot, [error]);
    }
  }
  for (let j = 0; j < jobs.length; j++) {
    const job = jobs[j] as EntityJob;
    const own = part.slots?.[j];
    const out = byJob[j] as GraphQLError[];
    const mapper = mappers[j] as ErrorPathMapper;
    for (let i = 0; i < job.slotOf.length; i++) {
      const slot = own ? (own[job.slotOf[i] as number] as number) : (job.slotOf[i] as number);
      for (const error of bySlot.get(slot) ?? []) out.push(downstreamServiceError(error, serviceName, mapper.map(error.path, i)));
    }
  }
  // An index the subgraph made up matches no entity; keep the error all the same.
  for (const [slot, list] of bySlot) {
    if (slot >= 0 && slot < part.unique.length && Number.isInteger(slot)) continue;
    for (const error of list) (byJob[0] as GraphQLError[]).push(downstreamServiceError(error, serviceName, first.map(error.path)));
  }
  return byJob;
}

/** A deep copy of a parsed JSON value (own keys kept own, `__proto__` included). */
function copyJson(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const source = value as JsonObject;
  const out: JsonObject = {};
  for (const key of Object.keys(source)) {
    defineOwn(out, key);
    out[key] = copyJson(source[key]);
  }
  return out;
}
