import { Supergraph, type Schema } from '@apollo/federation-internals';
import type { GraphQLDataSource, ServiceEndpointDefinition } from '@apollo/gateway';
import { QueryPlanner } from '@apollo/query-planner';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { SubgraphSender } from './compile-plan.ts';
import { OverrideLabels } from './plan-corrections/override-labels.ts';
import { PlanCorrections } from './plan-corrections/plan-corrections.ts';
import { TypeConditions } from './type-conditions.ts';

export type SubgraphService = GraphQLDataSource & SubgraphSender;

/** A supergraph ready to plan and run operations against, built once per schema. */
export interface LoadedSupergraph {
  /** The API schema as graphql-js: what Apollo Server validates against and introspection reads. */
  schema: GraphQLSchema;
  apiSchema: Schema;
  /** The whole supergraph as graphql-js: entity type conditions are checked against it. */
  supergraphSchema: GraphQLSchema;
  planner: QueryPlanner;
  /** By subgraph name; also the service map handed to Apollo's executor on fallback. */
  services: Record<string, SubgraphService>;
  senders: ReadonlyMap<string, SubgraphSender>;
  types: TypeConditions;
  /** Undefined: the planner's plans are run as they are (no correction applies to this supergraph). */
  corrections: PlanCorrections | undefined;
  /** Undefined: no progressive @override with a percentage, so every request plans alike. */
  overrideLabels: OverrideLabels | undefined;
}

/**
 * Builds everything from the supergraph as ApolloGateway does (same validation, planner
 * defaults). It takes the SDL or its parsed document: Supergraph.build accepts either (a string is
 * parsed with graphql-js's parse, which a caller sharing one parsed AST has already done).
 */
export function loadSupergraph(
  supergraph: string | DocumentNode,
  buildService: (definition: ServiceEndpointDefinition) => SubgraphService,
): LoadedSupergraph {
  // As ApolloGateway: the supergraph is validated unless NODE_ENV is production.
  const built = Supergraph.build(supergraph, { validateSupergraph: process.env['NODE_ENV'] !== 'production' });
  const services: Record<string, SubgraphService> = Object.create(null);
  for (const definition of built.subgraphsMetadata()) services[definition.name] = buildService(definition);
  const apiSchema = built.apiSchema();
  const supergraphSchema = built.schema.toGraphQLJSSchema();
  const schema = apiSchema.toGraphQLJSSchema();
  return {
    schema,
    apiSchema,
    supergraphSchema,
    planner: new QueryPlanner(built),
    services,
    senders: new Map(Object.entries(services)),
    types: new TypeConditions(supergraphSchema),
    corrections: PlanCorrections.build(built, schema, supergraphSchema),
    overrideLabels: OverrideLabels.build(built),
  };
}
