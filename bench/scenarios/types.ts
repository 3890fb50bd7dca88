// A scenario = a set of subgraph processes + the supergraph composed over them + the queries
// (workloads) every gateway row is measured with against those same processes.

export interface Workload {
  /** Short name shown in the table and used by --query (e.g. "heavy"). */
  name: string;
  /** The JSON request body, sent as is (POST); empty for a GET. */
  body: string;
  /** Default POST (a GraphQL request to the gateway's GraphQL URL). */
  method?: 'GET' | 'POST';
  /** Path and query on the gateway's origin instead of its GraphQL URL (e.g. a REST endpoint). */
  path?: string;
  /** `data`: the whole response body is the data (a REST endpoint); default a GraphQL response. */
  answer?: 'graphql' | 'data';
  /** Only these rows run it (e.g. the row that configures the endpoint); default every gateway row. */
  rows?: readonly string[];
  /** The same data as this workload's (it shares that workload's reference answer). */
  sameDataAs?: string;
  /** The `data` a correct gateway returns; when unknown, the baseline's reply is the reference. */
  expectedData?: unknown;
}

export interface ScenarioContext {
  repoRoot: string;
  runDir: string;
}

export interface RunningScenario {
  supergraphPath: string;
  /** Run through every gateway row. */
  workloads: Workload[];
  /** The single-hop reference: one workload straight at one subgraph. */
  direct?: { url: string; workload: Workload };
  /** The subgraphs process (its peak RSS is shown on the direct row). */
  pid: number;
  /** HTTP requests the scenario's subgraphs have received so far (null: no answer). */
  subgraphRequests(): Promise<number | null>;
  stop(): Promise<void>;
}

export interface Scenario {
  name: string;
  /** Workload names, so --query can skip a scenario before starting anything. */
  workloadNames: readonly string[];
  start(ctx: ScenarioContext, selected: (workload: string) => boolean): Promise<RunningScenario | { skipped: string }>;
}

export function graphqlBody(query: string, variables?: Record<string, unknown>, operationName?: string): string {
  return JSON.stringify({
    query,
    ...(operationName === undefined ? {} : { operationName }),
    ...(variables === undefined ? {} : { variables }),
  });
}
