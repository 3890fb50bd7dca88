import { ApolloServer, type GraphQLRequest } from '@apollo/server';
import type { DocumentStore } from '@apollo/server';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { FormattedExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import { internalError } from '../core/errors.ts';
import { withoutSuggestions } from '../core/suggestions.ts';
import type { RequestContext } from '../core/request-context.ts';

export interface ApolloHostOptions {
  /** `server.introspection` (stage 4 validates; this only matters if Apollo ever validates itself). */
  introspection: boolean;
  /** `server.debug`: error stacks in responses. */
  debug: boolean;
  /** Validated documents by query hash, filled by stage 4: Apollo's pipeline does not parse again. */
  documentStore: DocumentStore;
  /** `server.suggestions`: off, "Did you mean …?" hints are cut from execution errors too (variables). */
  suggestions: boolean;
}

/**
 * Apollo Server as the GraphQL execution host of stage 6: its request pipeline (plugins, error
 * formatting, the gateway executor) runs the document stage 4 validated. It never sees the HTTP
 * request: stage 1 did every HTTP-level check and stage 4 APQ, so Apollo's own CSRF prevention,
 * persisted queries and landing page are off, and nothing phones home.
 */
export function createApolloServer(gateway: GatewayInterface, options: ApolloHostOptions, logger: Logger): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    gateway,
    logger: logger.child({ component: 'apollo-server' }),
    introspection: options.introspection,
    includeStacktraceInErrorResponses: options.debug,
    documentStore: options.documentStore,
    // Variable-coercion errors come from execution, after stage 4's validation hints were cut.
    ...(options.suggestions ? {} : { formatError: (formatted) => ({ ...formatted, message: withoutSuggestions(formatted.message) }) }),
    persistedQueries: false,
    csrfPrevention: false,
    allowBatchedHttpRequests: false,
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
    ],
  });
}

/** Stage 6's output: the execution result before serialization, and what it set on the response. */
export interface ExecutionOutcome {
  /** Undefined: 200 (or what stage 7 decides). */
  status: number | undefined;
  headers: Iterable<[string, string]>;
  result: FormattedExecutionResult;
}

/**
 * Runs one validated operation through Apollo's request pipeline. The query string goes along so
 * Apollo can find the validated document by its hash (no second parse); no HTTP request is read.
 */
export async function executeOperation(
  apollo: ApolloServer<RequestContext>,
  request: Pick<GraphQLRequest, 'query' | 'operationName' | 'variables' | 'extensions'>,
  context: RequestContext,
): Promise<ExecutionOutcome> {
  const response = await apollo.executeOperation<Record<string, unknown>>(request, { contextValue: context });
  // A gateway executor always answers with one result (no incremental delivery).
  if (response.body.kind !== 'single') throw internalError();
  return { status: response.http.status, headers: response.http.headers, result: response.body.singleResult };
}
