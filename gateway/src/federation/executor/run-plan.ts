import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { ResponsePath } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { RequestContext } from '../../core/request-context.ts';
import type { ConditionStep, FetchStep, Step } from './compile-plan.ts';
import { deepMerge, hasOwn, type JsonObject } from './merge.ts';
import { selectRepresentation, writeFlatRepresentation } from './representations.ts';
import { valuesAtPath } from './response-path.ts';
import { downstreamServiceError, ErrorPathMapper } from './subgraph-errors.ts';
import type { TypeConditions } from './type-conditions.ts';

/** One request's run of a compiled plan: its variables, where errors go, the response tree. */
export interface PlanRun {
  readonly requestContext: GatewayGraphQLRequestContext;
  readonly variables: Record<string, unknown> | undefined;
  readonly types: TypeConditions;
  /** Fetch failures and subgraph errors, in the order they happened. */
  readonly errors: unknown[];
}

interface Cursor {
  path: ResponsePath;
  data: unknown;
  fullResult: unknown;
}

/** Runs the plan into `data` (the unshaped response tree); errors are collected in `run.errors`. */
export async function runPlan(run: PlanRun, step: Step, data: JsonObject): Promise<void> {
  await runStep(run, step, { path: [], data, fullResult: data });
}

async function runStep(run: PlanRun, step: Step, cursor: Cursor | undefined): Promise<void> {
  if (!cursor) return;
  switch (step.kind) {
    case 'Sequence':
      for (const child of step.steps) await runStep(run, child, cursor);
      return;
    case 'Parallel':
      await Promise.all(step.steps.map((child) => runStep(run, child, cursor)));
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
  const variables = step.variableUsages.length === 0 ? NO_VARIABLES : fetchVariables(step, run.variables);
  const variablesJson = variables === NO_VARIABLES ? '{}' : JSON.stringify(variables);

  if (!step.requires) {
    const mapper = new ErrorPathMapper(cursor.path, cursor.fullResult);
    const received = await send(run, step, `${step.bodyPrefix}${variablesJson}}`, (errors) =>
      errors.map((error) => downstreamServiceError(error, step.serviceName, mapper.map(error.path))),
    );
    if (received) step.outputRewrites?.(received);
    for (const entity of entities) deepMerge(entity, received);
    return;
  }

  const batch = representationsOf(run, step, entities);
  const count = batch.slotOf.length;
  if (count < 1) return;
  if ('representations' in variables) throw new Error('Variables cannot contain key "representations"');
  const body =
    step.bodyPrefix +
    (variablesJson === '{}' ? '{' : `${variablesJson.slice(0, -1)},`) +
    `"representations":[${batch.unique.join(',')}]}}`;
  const mapper = new ErrorPathMapper(cursor.path, cursor.fullResult, batch.entityOf);
  const received = await send(run, step, body, (errors) =>
    batch.unique.length === count
      ? errors.map((error) => downstreamServiceError(error, step.serviceName, mapper.map(error.path)))
      : fanOutErrors(errors, batch.slotOf, step.serviceName, mapper),
  );
  if (!received) return;
  const list = received['_entities'];
  if (!(list && Array.isArray(list))) throw new Error(`Expected "data._entities" in response to be an array`);
  if (list.length !== batch.unique.length) throw new Error(`Expected "data._entities" to contain ${count} elements`);
  mergeEntities(step, entities, batch, list as Array<JsonObject | null>);
}

function nonNullEntities(data: unknown): JsonObject[] {
  if (!Array.isArray(data)) return [data as JsonObject];
  const entities: JsonObject[] = [];
  for (const item of data) if (item !== null && item !== undefined) entities.push(item as JsonObject);
  return entities;
}

/** An entity fetch's representations: identical ones are sent once (one slot). */
interface RepresentationBatch {
  /** The JSON of each distinct representation, in first-seen order. */
  unique: string[];
  /** Per representation (in entity order): its slot in `unique`... */
  slotOf: number[];
  /** ...and the index of the entity it was built from. */
  entityOf: number[];
}

function representationsOf(run: PlanRun, step: FetchStep, entities: JsonObject[]): RepresentationBatch {
  const batch: RepresentationBatch = { unique: [], slotOf: [], entityOf: [] };
  const slots = new Map<string, number>();
  const requires = step.requires as NonNullable<FetchStep['requires']>;
  for (let index = 0; index < entities.length; index++) {
    const entity = entities[index] as JsonObject;
    let json: string | undefined;
    if (step.flatRepresentation) {
      json = writeFlatRepresentation(run.types, entity, step.flatRepresentation);
      if (json === undefined) continue;
    } else {
      const representation = selectRepresentation(run.types, entity, requires);
      if (!representation || !representation['__typename']) continue;
      step.inputRewrites?.(representation);
      json = JSON.stringify(representation);
    }
    const key = step.dedupeKeyNeedsTypename ? `${json}\u0000${String(entity['__typename'])}` : json;
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = batch.unique.length;
      slots.set(key, slot);
      batch.unique.push(json);
    }
    batch.entityOf.push(index);
    batch.slotOf.push(slot);
  }
  return batch;
}

/** Merges each `_entities` answer into every entity that sent its representation. */
function mergeEntities(step: FetchStep, entities: JsonObject[], batch: RepresentationBatch, received: Array<JsonObject | null>): void {
  const prepared = new Uint8Array(batch.unique.length);
  for (let i = 0; i < batch.slotOf.length; i++) {
    const slot = batch.slotOf[i] as number;
    const answer = received[slot] as JsonObject | null;
    const entity = entities[batch.entityOf[i] as number] as JsonObject;
    // Once per answer, as Apollo does once per representation: its __typename, its rewrites.
    if (prepared[slot] === 0) {
      prepared[slot] = 1;
      if (answer && !answer['__typename']) answer['__typename'] = entity['__typename'];
      step.outputRewrites?.(answer);
    }
    deepMerge(entity, answer);
  }
}

// Most fetches use no operation variable: one frozen empty object for all of them.
const NO_VARIABLES: JsonObject = Object.freeze(Object.create(null));

function fetchVariables(step: FetchStep, provided: Record<string, unknown> | undefined): JsonObject {
  const variables: JsonObject = Object.create(null);
  for (const name of step.variableUsages) {
    if (provided && hasOwn(provided, name) && provided[name] !== undefined) variables[name] = provided[name];
  }
  return variables;
}

/** Sends one fetch and records its errors (mapped to the client's paths); returns its `data`. */
async function send(
  run: PlanRun,
  step: FetchStep,
  body: string,
  clientErrors: (errors: readonly GraphQLFormattedError[]) => GraphQLError[],
): Promise<JsonObject | null | undefined> {
  const subgraphRequest = (run.requestContext.context as Partial<RequestContext>).subgraph;
  const response: GatewayGraphQLResponse = await (step.sender as NonNullable<FetchStep['sender']>).send(body, subgraphRequest, step.operationKind);
  if (response.errors) {
    // No push(...spread): an argument list has a stack-sized limit (the data source caps a
    // response's errors, but nothing here should depend on that).
    for (const error of clientErrors(response.errors)) run.errors.push(error);
    if (!response.extensions?.['ftv1']) {
      const metrics = run.requestContext.metrics;
      const paths = (metrics.nonFtv1ErrorPaths ??= []);
      for (const error of response.errors) paths.push({ subgraph: step.serviceName, path: error.path as GraphQLError['path'] });
    }
  }
  return response.data as JsonObject | null | undefined;
}

/**
 * Errors of a fetch whose identical representations were sent once. Had every entity been
 * sent, the subgraph would have answered each representation's errors once per entity, in
 * entity order: that is what the client gets, each at its own entity's path. Errors about no
 * representation in particular come first.
 */
function fanOutErrors(
  errors: readonly GraphQLFormattedError[],
  slotOf: readonly number[],
  serviceName: string,
  mapper: ErrorPathMapper,
): GraphQLError[] {
  const out: GraphQLError[] = [];
  const bySlot = new Map<number, GraphQLFormattedError[]>();
  for (const error of errors) {
    const slot = error.path?.[1];
    if (typeof slot !== 'number') {
      out.push(downstreamServiceError(error, serviceName, mapper.map(error.path)));
    } else {
      const list = bySlot.get(slot);
      if (list) list.push(error);
      else bySlot.set(slot, [error]);
    }
  }
  for (let i = 0; i < slotOf.length; i++) {
    for (const error of bySlot.get(slotOf[i] as number) ?? []) {
      out.push(downstreamServiceError(error, serviceName, mapper.map(error.path, i)));
    }
  }
  // An index the subgraph made up matches no entity; keep the error all the same.
  const known = new Set(slotOf);
  for (const [slot, list] of bySlot) {
    if (!known.has(slot)) for (const error of list) out.push(downstreamServiceError(error, serviceName, mapper.map(error.path)));
  }
  return out;
}
