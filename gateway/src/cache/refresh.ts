/**
 * Who may skip reading the edge cache: a request with `cache-control: no-cache` (or `no-store`)
 * from a client in `cache.no_cache_clients`, by its verified client id. Anyone else's header is
 * ignored, so a client cannot defeat the cache (and load the subgraphs) at will.
 */
export function cacheRefreshPolicy(trustedClientIds: readonly string[]): ((headers: { 'cache-control'?: string | undefined }, identity: { clientId: string | undefined } | undefined) => boolean) | undefined {
  if (trustedClientIds.length === 0) return undefined;
  const trusted = new Set(trustedClientIds);
  return (headers, identity) => {
    const value = headers['cache-control'];
    if (value === undefined || identity?.clientId === undefined || !trusted.has(identity.clientId)) return false;
    return /(?:^|,)\s*no-(?:cache|store)\s*(?:,|$)/i.test(value);
  };
}
