// `tollgate check`: would the proposed subgraphs break the clients of the current supergraph?
// Composes the proposed set (supergraph.yaml, and/or one subgraph's new schema over the registry's
// current set), compares its API schema with the current one (`--against`: a supergraph SDL file or
// a registry URL), and reports each change with its coordinate and subgraph. With `--operations`
// (clients' manifests or .graphql files) a breaking change counts only when an operation uses it.
// Exit codes: 0 no breaking change (dangerous and safe ones are reported), 1 the proposed set does
// not compose or a subgraph schema cannot be read, 2 usage (flags, --against or --operations
// unreadable, registry unreachable), 3 breaking changes (unless --allow-breaking).
import { appendFile, readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { loadClientOperations, OperationsInputError } from './client-operations.ts';
import { ApiSchemaError } from './schema/api-schema.ts';
import { parseFlags } from './schema/command-flags.ts';
import { checkSupergraphs, type CheckedChange } from './schema/check.ts';
import { formatGitHub, formatJson, formatMarkdown, formatText, type CheckFormat } from './schema/check-report.ts';
import { composeSubgraphs, formatCompositionIssues, formatGitHubAnnotations } from './schema/compose.ts';
import { registryRequest, RegistryClientError, refusalText, REGISTRY_TOKEN_ENV } from './schema/registry-client.ts';
import { lineOf } from './schema/sdl-locate.ts';
import { loadSupergraphConfig, resolveSubgraphs, SupergraphConfigError, type SubgraphDefinition } from './schema/supergraph-config.ts';

const USAGE = `Usage: tollgate check --against <supergraph file | registry URL> [--config supergraph.yaml]
                      [--subgraph NAME --schema FILE [--routing-url URL]] [--operations PATH]...
                      [--allow-breaking] [--format text|json|github]

Composes the proposed subgraphs and compares the API schema clients would see with the current
one: breaking changes (removed or changed fields, types, arguments, enum values, union members,
interface implementations; new required arguments and input fields; removed defaults) and
dangerous ones (added enum values, optional arguments, union members), each with its schema
coordinate and the subgraph responsible.

Options:
  -a, --against <file|URL>      the current supergraph: an SDL file (tollgate compose's output) or
                                a registry (a gateway's admin listener, e.g. http://gw:4100; token
                                from ${REGISTRY_TOKEN_ENV})
  -c, --config <path>           the proposed subgraphs, rover's supergraph.yaml (default:
                                supergraph.yaml; with --subgraph and a registry: the registry's set)
      --subgraph <name>         replace (or add) this subgraph in the proposed set ...
      --schema <path>           ... with this SDL file
      --routing-url <url>       ... and this routing URL (default: the one it has now)
  -o, --operations <path>       clients' operations: trusted-document manifests (Apollo or Relay
                                JSON) or .graphql files, or folders of them; repeatable. A breaking
                                change then counts only when one of them uses it.
      --allow-breaking          report breaking changes but exit 0
  -f, --format <format>         text (default), json, or github (annotations, and a Markdown table
                                appended to $GITHUB_STEP_SUMMARY when set)
      --introspection-timeout-ms <n>  per subgraph_url introspection
  -h, --help                    show this help

Exit status: 0 no breaking change, 1 composition failed, 2 usage error, 3 breaking changes.
`;

export interface CheckCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env?: Record<string, string | undefined>;
}

const defaultIo: CheckCommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

const FORMATS: readonly CheckFormat[] = ['text', 'json', 'github'];
/** Largest supergraph file read for --against. */
const MAX_SUPERGRAPH_BYTES = 64 * 1024 * 1024;

class UsageError extends Error {}

export async function runCheckCommand(argv: string[], io: CheckCommandIo = defaultIo): Promise<number> {
  try {
    return await check(argv, io);
  } catch (error) {
    // graphql-js parses recursively: a schema nested deeper than the stack is not one it can read.
    if (!(error instanceof RangeError)) throw error;
    io.stderr('error: a schema nests too deeply to be parsed (the proposed subgraphs or --against)\n');
    return 1;
  }
}

async function check(argv: string[], io: CheckCommandIo): Promise<number> {
  const env = io.env ?? process.env;
  const print = (text: string) => io.stderr(text.endsWith('\n') ? text : `${text}\n`);
  const args = parseFlags(
    argv,
    {
      against: { type: 'string', short: 'a' },
      config: { type: 'string', short: 'c' },
      subgraph: { type: 'string' },
      schema: { type: 'string' },
      'routing-url': { type: 'string' },
      operations: { type: 'string', short: 'o', multiple: true },
      'allow-breaking': { type: 'boolean' },
      format: { type: 'string', short: 'f', default: 'text' },
      'introspection-timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'check',
    print,
  );
  if (args === undefined) return 2;
  if (args.help) {
    io.stdout(USAGE);
    return 0;
  }
  const format = args.format as CheckFormat;
  const timeoutText = args['introspection-timeout-ms'];
  const introspectionTimeoutMs = timeoutText === undefined ? undefined : Number(timeoutText);
  const problems = [
    args.against === undefined && '--against is required: the current supergraph (a file) or the registry URL',
    !FORMATS.includes(format) && `--format must be one of ${FORMATS.join(', ')}, got "${args.format}"`,
    (args.subgraph === undefined) !== (args.schema === undefined) && '--subgraph and --schema go together',
    args['routing-url'] !== undefined && args.subgraph === undefined && '--routing-url needs --subgraph',
    introspectionTimeoutMs !== undefined && !(Number.isInteger(introspectionTimeoutMs) && introspectionTimeoutMs > 0) &&
      `--introspection-timeout-ms expects a positive whole number of milliseconds, got "${timeoutText}"`,
  ].filter((problem): problem is string => typeof problem === 'string');
  if (problems.length > 0) {
    for (const problem of problems) print(`error: ${problem}`);
    return 2;
  }
  const against = args.against as string;
  const fromRegistry = /^https?:\/\//.test(against);

  // The current supergraph and the clients' operations: a problem with either is a usage error.
  let current: { sdl: string; subgraphs?: SubgraphDefinition[] };
  let operations;
  try {
    current = fromRegistry ? await currentFromRegistry(against, env) : { sdl: await readSupergraphFile(against) };
    operations = args.operations === undefined ? undefined : await loadClientOperations(args.operations);
  } catch (error) {
    if (error instanceof UsageError || error instanceof OperationsInputError || error instanceof RegistryClientError) {
      print(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }

  // The proposed set: the config's subgraphs (or the registry's), with --subgraph's schema in.
  let proposed: SubgraphDefinition[];
  try {
    if (args.config === undefined && args.subgraph !== undefined) {
      if (current.subgraphs === undefined) throw new UsageError('--subgraph without --config needs --against <registry URL> (a supergraph file does not hold the subgraphs\' schemas)');
      proposed = current.subgraphs;
    } else {
      const config = await loadSupergraphConfig(args.config ?? 'supergraph.yaml', { env });
      proposed = await resolveSubgraphs(config, { introspectionTimeoutMs });
    }
    if (args.subgraph !== undefined) proposed = await withSubgraph(proposed, args.subgraph, args.schema as string, args['routing-url']);
  } catch (error) {
    if (error instanceof UsageError) {
      print(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof SupergraphConfigError) {
      for (const problem of error.problems) print(`error: ${problem}`);
      return 1;
    }
    throw error;
  }
  const composed = composeSubgraphs(proposed);
  if (!composed.ok) {
    print(formatCompositionIssues(composed.errors));
    if (format === 'github') io.stdout(`${formatGitHubAnnotations(composed.errors, { repositoryPath: (source) => repositoryPath(source, env) })}\n`);
    print(`error: the proposed subgraphs do not compose (${composed.errors.length} ${composed.errors.length === 1 ? 'error' : 'errors'}); nothing was compared`);
    return 1;
  }

  let report;
  try {
    report = checkSupergraphs(current.sdl, composed.supergraphSdl, operations);
  } catch (error) {
    if (!(error instanceof ApiSchemaError)) throw error;
    print(`error: --against ${against}: ${error.message}`);
    return 2;
  }
  const exitCode = report.breaking > 0 && !args['allow-breaking'] ? 3 : 0;
  if (format === 'json') io.stdout(formatJson(report, against, exitCode));
  else io.stdout(formatText(report, against));
  if (format === 'github') {
    io.stdout(formatGitHub(report, (change) => locate(change, proposed, env)));
    const summary = env['GITHUB_STEP_SUMMARY'];
    if (summary) await appendFile(summary, formatMarkdown(report, against));
  }
  if (report.breaking > 0 && args['allow-breaking']) print(`note: ${report.breaking} breaking changes allowed (--allow-breaking)`);
  return exitCode;
}

async function readSupergraphFile(path: string): Promise<string> {
  try {
    const { size } = await stat(path);
    if (size > MAX_SUPERGRAPH_BYTES) throw new UsageError(`--against ${path}: ${size} bytes, over ${MAX_SUPERGRAPH_BYTES}`);
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--against ${path}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The registry's current version: its supergraph and the subgraphs it was composed from. */
async function currentFromRegistry(base: string, env: Record<string, string | undefined>): Promise<{ sdl: string; subgraphs: SubgraphDefinition[] }> {
  const answer = await registryRequest(base, 'GET', '/registry/current', { token: env[REGISTRY_TOKEN_ENV] });
  if (answer.status !== 200) throw new UsageError(`--against ${base}: the registry refused: ${refusalText(answer)}`);
  const { supergraph, subgraphs } = answer.body as { supergraph: string; subgraphs: Array<{ name: string; routingUrl: string; sdl: string }> };
  return { sdl: supergraph, subgraphs: subgraphs.map((s) => ({ ...s, source: `registry subgraph ${s.name}`, sourceKind: 'sdl' as const })) };
}

async function withSubgraph(set: SubgraphDefinition[], name: string, schemaPath: string, routingUrl: string | undefined): Promise<SubgraphDefinition[]> {
  let sdl: string;
  try {
    sdl = await readFile(schemaPath, 'utf8');
  } catch (error) {
    throw new UsageError(`--schema ${schemaPath}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const existing = set.find((s) => s.name === name);
  const url = routingUrl ?? existing?.routingUrl;
  if (url === undefined) throw new UsageError(`--subgraph ${name} is new: give its --routing-url`);
  const replacement: SubgraphDefinition = { name, routingUrl: url, sdl, source: resolve(schemaPath), sourceKind: 'file' };
  return [...set.filter((s) => s.name !== name), replacement];
}

/** The responsible subgraph's schema file (relative to the workspace) and the coordinate's line in it. */
function locate(change: CheckedChange, subgraphs: SubgraphDefinition[], env: Record<string, string | undefined>) {
  const subgraph = subgraphs.find((s) => change.subgraphs.includes(s.name) && s.sourceKind === 'file');
  if (subgraph === undefined) return undefined;
  const line = change.removed ? undefined : lineOf(subgraph.sdl, change.coordinate);
  return { file: repositoryPath(subgraph.source, env), ...(line === undefined ? {} : { line }) };
}

function repositoryPath(source: string, env: Record<string, string | undefined>): string {
  return relative(env['GITHUB_WORKSPACE'] ?? process.cwd(), resolve(source));
}
