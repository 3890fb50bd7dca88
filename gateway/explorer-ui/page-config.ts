// What the gateway tells the page (a JSON data block in the HTML: data, never executed, so the CSP
// needs no inline script). gateway/src/explorer/page.ts writes it.
export interface PageConfig {
  /** Where GraphQL requests go (server.graphql_path). */
  graphqlPath: string;
  /** The response header carrying the request id (telemetry.request_id_header). */
  requestIdHeader: string;
  /** Whether to ask for extensions.queryPlan (explorer.expose_query_plan). */
  queryPlan: boolean;
  /** This response's CSP nonce for the <style> elements scripts add (fresh per page load). */
  styleNonce: string;
  /** Where a demo token is minted; only in the demo stack (`npm start`). */
  demoTokenPath: string | undefined;
}

export function readPageConfig(): PageConfig {
  const element = document.getElementById('tollgate-explorer-config');
  return JSON.parse(element?.textContent ?? '{}') as PageConfig;
}
