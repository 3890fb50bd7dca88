// Minimal GraphQL-over-HTTP client for the subgraph tests.

export interface GraphQLReply {
  status: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

export async function post(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as GraphQLReply['body'] };
}

export const ENTITIES = 'query ($reps: [_Any!]!) { _entities(representations: $reps) { __typename SELECTION } }';

/** An _entities query selecting `selection` on each representation's type. */
export function entitiesQuery(typename: string, selection: string): string {
  return ENTITIES.replace('SELECTION', `... on ${typename} { ${selection} }`);
}
