import type { Operation, Supergraph } from '@apollo/federation-internals';
import type { QueryPlan } from '@apollo/query-planner';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { aliasClientFields, type AliasedDocument } from './alias-client-fields.ts';
import { RequiresArgumentsIndex } from './requires-arguments.ts';
import { ResolvableKeys } from './resolvable-keys.ts';
import { separateRequiredArguments } from './separate-required-arguments.ts';
import { UnreachableFields, type ConditionalRefusal } from './unreachable-fields.ts';

/**
 * Where Tollgate plans differently from @apollo/query-planner (README "Correctness"): worked out
 * once per supergraph, so that a supergraph none of it applies to gets `undefined` and its
 * operations are planned exactly as the stock gateway plans them, at no cost. Each correction
 * runs once per operation, before the plan is compiled and cached.
 */
export class PlanCorrections {
  private constructor(
    private readonly requiresArguments: RequiresArgumentsIndex | undefined,
    private readonly unreachable: UnreachableFields | undefined,
    private readonly resolvableKeys: ResolvableKeys | undefined,
    private readonly apiSchema: GraphQLSchema,
    private readonly supergraphSchema: GraphQLSchema,
  ) {}

  static build(supergraph: Supergraph, apiSchema: GraphQLSchema, supergraphSchema: GraphQLSchema): PlanCorrections | undefined {
    const index = RequiresArgumentsIndex.build(supergraph);
    const requiresArguments = index.isEmpty ? undefined : index;
    const unreachable = UnreachableFields.build(supergraph);
    const resolvableKeys = ResolvableKeys.build(supergraph);
    if (!requiresArguments && !unreachable && !resolvableKeys) return undefined;
    return new PlanCorrections(requiresArguments, unreachable, resolvableKeys, apiSchema, supergraphSchema);
  }

  /** The document to plan instead of the client's, when the planner would merge its fields wrongly. */
  documentToPlan(document: DocumentNode): AliasedDocument {
    const aliased = this.requiresArguments && aliasClientFields(document, this.apiSchema, this.requiresArguments);
    return aliased || { document, collisions: NO_COLLISIONS };
  }

  /**
   * The plan of `documentToPlan`'s document (`operation`), corrected to answer the client's
   * document; throws a GraphQLError (FIELD_NOT_REACHABLE) for an operation no plan can answer,
   * and returns the refusals that depend on the request's variables.
   */
  correct(plan: QueryPlan, operation: Operation, planned: AliasedDocument): { plan: QueryPlan; refusals: ConditionalRefusal[] } {
    const refusals = this.unreachable?.check(operation, plan) ?? [];
    let corrected = plan;
    const index = this.requiresArguments;
    if (index && (index.hasArguments || planned.collisions.size > 0)) {
      corrected = separateRequiredArguments(corrected, index, this.supergraphSchema, planned.collisions);
    }
    if (this.resolvableKeys) corrected = this.resolvableKeys.correct(corrected);
    return { plan: corrected, refusals };
  }
}

const NO_COLLISIONS: AliasedDocument['collisions'] = new Set();
