import type { IncomingHttpHeaders } from 'node:http';

/**
 * What one request carries from stage to stage and into the subgraph data source
 * (it is Apollo Server's contextValue). Later stages add the verified identity here.
 */
export interface RequestContext {
  requestId: string;
  incomingHeaders: IncomingHttpHeaders;
  /** Headers every subgraph fetch of this request sends, set by the gateway, never copied from the client. */
  subgraphHeaders: Record<string, string>;
}
