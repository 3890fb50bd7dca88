import { Supergraph, type Schema } from '@apollo/federation-internals';
import type { GraphQLDataSource, ServiceEndpointDefinition } from '@apollo/gateway';
import { QueryPlanner } from '@apollo/query-planner';
import type { GraphQLSchema } from 'graphql';
import type { SubgraphSender } from './compile-plan.ts';
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
}

/** Builds everything from the SDL as ApolloGateway does (same validation, planner defaults). */
export function loadSupergraph(
  supergraphSdl: string,
  buildService: (definition: ServiceEndpointDefinition) => SubgraphService,
): LoadedSupergraph {
  // As ApolloGateway: the supergraph is validated unless NODE_ENV is production.
  const supergraph = Supergraph.build(supergraphSdl, { validateSupergraph: process.env['NODE_ENV'] !== 'production' });
  const services: Record<string, SubgraphService> = Object.create(null);
  for (const definition of supergraph.subgraphsMetadata()) services[definition.name] = buildService(definition);
  const apiSchema = supergraph.apiSchema();
  const supergraphSchema = supergraph.schema.toGraphQLJSSchema();
  return {
    schema: apiSchema.toGraphQLJSSchema(),
    apiSchema,
    supergraphSchema,
    planner: new QueryPlanner(supergraph),
    services,
    senders: new Map(Object.entries(services)),
    types: new TypeConditions(supergraphSchema),
  };
}
