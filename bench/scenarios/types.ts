// A scenario = a set of subgraph processes + the supergraph composed over them + the queries
// (workloads) every gateway row is measured with against those same processes.

export interface Workload {
  /** Short name shown in the table and used by --query (e.g. "heavy"). */
  name: string;
  /** The JSON request body, sent as is. */
  body: string;
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
