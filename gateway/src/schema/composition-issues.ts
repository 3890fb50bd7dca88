// Composition errors and hints as plain records (code, message, subgraphs, file locations), and
// their rendering for people and CI logs: `error[CODE] subgraph "x": ...` lines, and GitHub
// Actions workflow commands (`::error file=...,line=...,title=...::message`).
import { getLocation, type ASTNode, type GraphQLError, type Source } from 'graphql';
import type { CompositionSuccess } from '@apollo/composition';
import type { SchemaSourceKind, SubgraphDefinition } from './supergraph-config.ts';

export interface CompositionIssue {
  code: string;
  message: string;
  /** Names involved, in supergraph.yaml order; best effort from the error's nodes and message. */
  subgraphs: string[];
  /** Where in the subgraph schemas, when composition kept the AST locations. */
  locations?: IssueLocation[];
}

export interface IssueLocation {
  subgraph: string;
  /** The subgraph's `source` (file path, URL, or config key for inline SDL). */
  source: string;
  sourceKind?: SchemaSourceKind;
  line: number;
  column: number;
}

/** What the converters need to map AST nodes back to subgraphs: the definitions, and the Source each was parsed from. */
export interface IssueContext {
  subgraphs: SubgraphDefinition[];
  sources: Map<Source, SubgraphDefinition>;
}

type SubgraphAstNode = ASTNode & { subgraph?: string };
/** The package does not export its hint class by name. */
type CompositionHint = CompositionSuccess['hints'][number];

export function issueFromError(error: GraphQLError, context: IssueContext): CompositionIssue {
  const code = typeof error.extensions['code'] === 'string' ? error.extensions['code'] : 'COMPOSITION_ERROR';
  return buildIssue(code, error.message, error.nodes ?? [], context);
}

export function issueFromHint(hint: CompositionHint, context: IssueContext): CompositionIssue {
  return buildIssue(hint.definition.code, hint.message, hint.nodes ?? [], context);
}

function buildIssue(
  code: string,
  rawMessage: string,
  nodes: readonly SubgraphAstNode[],
  context: IssueContext,
): CompositionIssue {
  const byName = new Map(context.subgraphs.map((s) => [s.name, s]));
  const named = new Set<string>();
  const locations: IssueLocation[] = [];

  for (const node of nodes) {
    const fromSource = node.loc ? context.sources.get(node.loc.source) : undefined;
    const definition = (node.subgraph !== undefined ? byName.get(node.subgraph) : undefined) ?? fromSource;
    if (definition === undefined) continue;
    named.add(definition.name);
    if (node.loc && fromSource === definition) {
      const { line, column } = getLocation(node.loc.source, node.loc.start);
      if (!locations.some((l) => l.subgraph === definition.name && l.line === line && l.column === column)) {
        locations.push(location(definition, line, column));
      }
    }
  }

  // Per-subgraph validation errors come as "[name] message"; the name moves to `subgraphs`.
  let message = rawMessage;
  const prefix = /^\[([^\]]+)\] /.exec(message);
  if (prefix?.[1] !== undefined && byName.has(prefix[1])) {
    named.add(prefix[1]);
    message = message.slice(prefix[0].length);
  }
  for (const name of subgraphsMentioned(message)) if (byName.has(name)) named.add(name);

  const order = context.subgraphs.map((s) => s.name);
  const issue: CompositionIssue = { code, message, subgraphs: order.filter((name) => named.has(name)) };
  if (locations.length > 0) issue.locations = locations;
  return issue;
}

/** Names quoted after "subgraph"/"subgraphs" in composition messages: `subgraphs "a", "b" and "c"`. */
function subgraphsMentioned(message: string): string[] {
  const names: string[] = [];
  for (const list of message.matchAll(/\bsubgraphs? ((?:"[^"]+"(?:, | and | or )?)+)/g)) {
    for (const quoted of (list[1] ?? '').matchAll(/"([^"]+)"/g)) if (quoted[1] !== undefined) names.push(quoted[1]);
  }
  return names;
}

export function location(definition: SubgraphDefinition, line: number, column: number): IssueLocation {
  const at: IssueLocation = { subgraph: definition.name, source: definition.source, line, column };
  if (definition.sourceKind !== undefined) at.sourceKind = definition.sourceKind;
  return at;
}

// ---------------------------------------------------------------------------------------------
// Rendering

export type IssueSeverity = 'error' | 'hint';

/**
 * One header line per issue, greppable as `^error\[`:
 *   error[FIELD_TYPE_MISMATCH] subgraphs "accounts", "orders": Type of field "User.age" is ...
 *     --> accounts.graphql:3:40 (accounts)
 * Multi-line messages (satisfiability errors print the failing query) continue indented.
 */
export function formatCompositionIssues(
  issues: CompositionIssue[],
  options: { severity?: IssueSeverity } = {},
): string {
  const severity = options.severity ?? 'error';
  return issues
    .map((issue) => {
      const [first = '', ...rest] = issue.message.split('\n');
      const lines = [`${severity}[${issue.code}]${subgraphPhrase(issue, ' ')}: ${first}`];
      for (const line of rest) lines.push(`    ${line}`);
      for (const at of issue.locations ?? []) lines.push(`  --> ${at.source}:${at.line}:${at.column} (${at.subgraph})`);
      return lines.join('\n');
    })
    .join('\n');
}

/**
 * GitHub Actions workflow commands, one per issue; errors fail the check run visibly and, when the
 * location is a file in the repository, annotate that line of the pull request diff.
 * `repositoryPath` maps a source file to the path GitHub knows (relative to the workspace).
 */
export function formatGitHubAnnotations(
  issues: CompositionIssue[],
  options: { severity?: IssueSeverity; repositoryPath?: (source: string) => string } = {},
): string {
  const command = (options.severity ?? 'error') === 'error' ? 'error' : 'notice';
  const repositoryPath = options.repositoryPath ?? ((source: string) => source);
  return issues
    .map((issue) => {
      const properties: string[] = [];
      const file = issue.locations?.find((l) => l.sourceKind === 'file');
      if (file !== undefined) {
        properties.push(`file=${escapeProperty(repositoryPath(file.source))}`, `line=${file.line}`, `col=${file.column}`);
      }
      const who = issue.subgraphs.length > 0 ? ` (${issue.subgraphs.join(', ')})` : '';
      properties.push(`title=${escapeProperty(`${issue.code}${who}`)}`);
      const text = issue.subgraphs.length > 0 ? `${subgraphPhrase(issue, '')}: ${issue.message}` : issue.message;
      return `::${command} ${properties.join(',')}::${escapeData(text)}`;
    })
    .join('\n');
}

function subgraphPhrase(issue: CompositionIssue, lead: string): string {
  if (issue.subgraphs.length === 0) return '';
  const names = issue.subgraphs.map((name) => `"${name}"`).join(', ');
  return `${lead}${issue.subgraphs.length === 1 ? 'subgraph' : 'subgraphs'} ${names}`;
}

// Escaping rules of GitHub workflow commands (@actions/core's command.ts).
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
