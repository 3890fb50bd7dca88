export type OperationKind = 'query' | 'mutation' | 'subscription';

/**
 * The operation type of a subgraph operation's text, as the query planner prints it (`{…}`,
 * `query Name…`, `mutation…`): a look at its first keyword, no parse. Anything it does not
 * recognise counts as a mutation, the kind that is never retried nor deduplicated.
 */
export function operationKindOf(query: string): OperationKind {
  let i = 0;
  while (i < query.length && (query.charCodeAt(i) <= 32 || query[i] === ',')) i++;
  if (query[i] === '{') return 'query';
  if (query.startsWith('query', i) && !isNameChar(query.charCodeAt(i + 5))) return 'query';
  if (query.startsWith('subscription', i) && !isNameChar(query.charCodeAt(i + 12))) return 'subscription';
  return 'mutation';
}

function isNameChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}
