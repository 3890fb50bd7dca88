import type { Fetcher, FetcherParams, FetcherOpts } from '@graphiql/toolkit';
import type { PageConfig } from './page-config.ts';
import { runFacts, type RunFacts } from './result-store.ts';

/**
 * POSTs with `content-type: application/json`, which passes the gateway's CSRF check (a simple
 * content type would not), asks for the cost and (when allowed) the plan of each operation, and
 * records what the response's headers and extensions say before GraphiQL shows the body.
 */
export function tollgateFetcher(config: PageConfig): Fetcher {
  return async (params: FetcherParams, opts?: FetcherOpts) => {
    const introspection = params.operationName === 'IntrospectionQuery';
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(opts?.headers as Record<string, string> | undefined),
    };
    if (!introspection) {
      headers['tollgate-expose-cost'] = 'true';
      if (config.queryPlan) headers['tollgate-expose-query-plan'] = 'true';
    }
    const startedAt = performance.now();
    const response = await fetch(config.graphqlPath, { method: 'POST', headers, body: JSON.stringify(params), credentials: 'same-origin' });
    const body = (await response.json()) as { extensions?: Record<string, unknown> } & Record<string, unknown>;
    if (introspection) return body;
    const extensions = body.extensions;
    const facts: RunFacts = {
      status: response.status,
      requestId: response.headers.get(config.requestIdHeader),
      cost: extensions?.['cost'] as RunFacts['cost'],
      remaining: response.headers.get('x-ratelimit-remaining'),
      limit: response.headers.get('x-ratelimit-limit'),
      ratelimit: response.headers.get('ratelimit'),
      queryPlan: extensions?.['queryPlan'] as RunFacts['queryPlan'],
      durationMs: Math.round(performance.now() - startedAt),
    };
    runFacts.set(facts);
    // The plan has its own panel: the result shows the data and the rest of the extensions.
    if (extensions && 'queryPlan' in extensions) {
      const { queryPlan: _shownBeside, ...rest } = extensions;
      return { ...body, extensions: Object.keys(rest).length > 0 ? rest : undefined };
    }
    return body;
  };
}
