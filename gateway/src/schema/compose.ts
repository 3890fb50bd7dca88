// Offline composition of subgraph SDLs into a supergraph SDL with @apollo/composition. Never
// throws for a bad schema: syntax errors and composition errors alike come back as issues naming
// the subgraph(s), so the gateway and `tollgate compose` can report them all at once.
import { composeServices } from '@apollo/composition';
import { GraphQLError, parse, Source, type DocumentNode } from 'graphql';
import {
  issueFromError,
  issueFromHint,
  location,
  type CompositionIssue,
  type IssueContext,
} from './composition-issues.ts';
import {
  loadSupergraphConfig,
  resolveSubgraphs,
  type ResolveOptions,
  type SubgraphDefinition,
} from './supergraph-config.ts';

export type { CompositionIssue, IssueLocation } from './composition-issues.ts';
export { formatCompositionIssues, formatGitHubAnnotations } from './composition-issues.ts';

export type CompositionOutcome =
  | { ok: true; supergraphSdl: string; hints: CompositionIssue[] }
  | { ok: false; errors: CompositionIssue[] };

export function composeSubgraphs(subgraphs: SubgraphDefinition[]): CompositionOutcome {
  if (subgraphs.length === 0) {
    return { ok: false, errors: [{ code: 'NO_SUBGRAPHS', message: 'there are no subgraphs to compose', subgraphs: [] }] };
  }

  const context: IssueContext = { subgraphs, sources: new Map() };
  const services: { name: string; url: string; typeDefs: DocumentNode }[] = [];
  const syntaxErrors: CompositionIssue[] = [];
  for (const subgraph of subgraphs) {
    // A Source per subgraph lets composition's AST nodes be traced back to a file and line.
    const source = new Source(subgraph.sdl, subgraph.source);
    context.sources.set(source, subgraph);
    try {
      services.push({ name: subgraph.name, url: subgraph.routingUrl, typeDefs: parse(source) });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      syntaxErrors.push(syntaxIssue(error, subgraph));
    }
  }
  if (syntaxErrors.length > 0) return { ok: false, errors: syntaxErrors };

  let result: ReturnType<typeof composeServices>;
  try {
    result = composeServices(services);
  } catch (error) {
    // A composition bug must still read as a composition failure, not a stack trace.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, errors: [{ code: 'COMPOSITION_CRASHED', message, subgraphs: [] }] };
  }

  if (result.errors !== undefined) {
    return { ok: false, errors: result.errors.map((error) => issueFromError(error, context)) };
  }
  return {
    ok: true,
    supergraphSdl: result.supergraphSdl,
    hints: result.hints.map((hint) => issueFromHint(hint, context)),
  };
}

function syntaxIssue(error: GraphQLError, subgraph: SubgraphDefinition): CompositionIssue {
  const issue: CompositionIssue = { code: 'INVALID_GRAPHQL', message: error.message, subgraphs: [subgraph.name] };
  const at = error.locations?.[0];
  if (at !== undefined) issue.locations = [location(subgraph, at.line, at.column)];
  return issue;
}

/** supergraph.yaml → supergraph SDL. Config and I/O problems throw SupergraphConfigError. */
export async function composeFromConfigFile(path: string, options: ResolveOptions = {}): Promise<CompositionOutcome> {
  const config = await loadSupergraphConfig(path);
  const subgraphs = await resolveSubgraphs(config, options);
  // Hot reload re-reads the sources every poll: compose (hundreds of ms of CPU) only when the
  // subgraphs' names, URLs or schemas changed since the last composition of this file.
  const inputs = JSON.stringify(subgraphs.map(({ name, routingUrl, sdl }) => [name, routingUrl, sdl]));
  const last = lastComposition.get(path);
  if (last?.inputs === inputs) return last.outcome;
  const outcome = composeSubgraphs(subgraphs);
  lastComposition.set(path, { inputs, outcome });
  return outcome;
}

/** The last composition per supergraph.yaml path (a handful of paths per process). */
const lastComposition = new Map<string, { inputs: string; outcome: CompositionOutcome }>();
