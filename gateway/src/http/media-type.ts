import Negotiator from 'negotiator';

export const APPLICATION_JSON = 'application/json; charset=utf-8';
export const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';

const OFFERED = ['application/json', 'application/graphql-response+json'];
// Clients send a handful of distinct Accept values; negotiating each once keeps it off the hot path.
const chosen = new Map<string, string | null>();
const MAX_REMEMBERED = 256;

/**
 * The media type of a single GraphQL response, as GraphQL over HTTP says: application/json unless
 * the client prefers application/graphql-response+json; null when `accept` allows neither (406).
 */
export function responseMediaType(accept: string | undefined): string | null {
  if (accept === undefined || accept === '') return APPLICATION_JSON;
  let media = chosen.get(accept);
  if (media === undefined) {
    const preferred = new Negotiator({ headers: { accept } }).mediaType(OFFERED);
    media = preferred === 'application/json' ? APPLICATION_JSON : preferred === undefined ? null : GRAPHQL_RESPONSE_JSON;
    if (chosen.size < MAX_REMEMBERED) chosen.set(accept, media);
  }
  return media;
}
