/**
 * The supergraph as the executor should load it. `@link(..., for: SECURITY)` tells a gateway to
 * refuse the supergraph unless it enforces that feature, and @apollo/federation-internals refuses
 * every SECURITY feature by default. Tollgate enforces these two (the authorizer runs before every
 * plan), so their links lose `for: SECURITY`, and only theirs: a supergraph using a security
 * feature Tollgate does not enforce (e.g. @policy) is still refused.
 */
export function supergraphForExecutor(supergraphSdl: string): string {
  return supergraphSdl.replace(
    /(@link\(url: "https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v0\.1"(?:, as: "[A-Za-z_][A-Za-z0-9_]*")?), for: SECURITY\)/g,
    '$1)',
  );
}
