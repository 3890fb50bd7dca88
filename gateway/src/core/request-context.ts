import type { IncomingHttpHeaders } from 'node:http';
import type { Identity } from '../auth/identity.ts';
import type { CostSettlement } from '../cost/settlement.ts';

/**
 * What one request carries from stage to stage and into the subgraph data source
 * (it is Apollo Server's contextValue). Later stages add the verified identity here.
 */
export interface RequestContext {
  requestId: string;
  incomingHeaders: IncomingHttpHeaders;
  /** Headers every subgraph fetch of this request sends, set by the gateway, never copied from the client. */
  subgraphHeaders: Record<string, string>;
  /** Stage 2's verified caller; undefined when anonymous. */
  identity?: Identity;
  /**
   * Set when some subgraphs get more than `subgraphHeaders` (the raw token, for subgraphs listed in
   * `authentication.forward_authorization`): the data source sends `subgraphHeadersFor(name)` instead.
   */
  subgraphHeadersFor?: (subgraph: string) => Readonly<Record<string, string>>;
  /** Stages 4–5's cost of this request, settled once the response is known (server/cost-plugin.ts). */
  cost?: CostSettlement;
}
