// `tollgate compose`: supergraph.yaml → supergraph SDL, for people and CI.
// Exit codes: 0 composed; 1 composition failed or the config / a schema could not be read;
// 2 usage error. Diagnostics go to stderr, the SDL to --output or stdout.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { parseFlags } from './command-flags.ts';
import {
  composeSubgraphs,
  formatCompositionIssues,
  formatGitHubAnnotations,
  type CompositionIssue,
} from './compose.ts';
import { COMPOSITION_VERSION } from './federation-version.ts';
import {
  DEFAULT_INTROSPECTION_TIMEOUT_MS,
  displayPath,
  loadSupergraphConfig,
  resolveSubgraphs,
  SupergraphConfigError,
} from './supergraph-config.ts';

export interface ComposeCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Environment for GITHUB_ACTIONS / GITHUB_WORKSPACE and `${env.NAME}`; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

const USAGE = `Usage: tollgate compose [--config supergraph.yaml] [--output supergraph.graphql]

Composes the subgraphs listed in a rover-format supergraph.yaml into a supergraph schema.

Options:
  -c, --config <path>                 supergraph config (default: supergraph.yaml)
  -o, --output <path>                 write the supergraph SDL here (default: stdout)
      --introspection-timeout-ms <n>  limit per subgraph_url introspection (default: ${DEFAULT_INTROSPECTION_TIMEOUT_MS})
  -h, --help                          show this help

Exit status: 0 composed, 1 composition or config error, 2 usage error.
Under GitHub Actions (GITHUB_ACTIONS=true) errors are also printed as ::error annotations.
`;

const defaultIo: ComposeCommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export async function runComposeCommand(argv: string[], io: ComposeCommandIo = defaultIo): Promise<number> {
  const env = io.env ?? process.env;
  const print = (text: string) => io.stderr(text.endsWith('\n') ? text : `${text}\n`);

  const args = parseFlags(
    argv,
    {
      config: { type: 'string', short: 'c', default: 'supergraph.yaml' },
      output: { type: 'string', short: 'o' },
      'introspection-timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'compose',
    print,
  );
  if (args === undefined) return 2;
  if (args.help) {
    io.stdout(USAGE);
    return 0;
  }
  const timeoutText = args['introspection-timeout-ms'];
  const introspectionTimeoutMs = timeoutText === undefined ? undefined : Number(timeoutText);
  if (introspectionTimeoutMs !== undefined && !(Number.isInteger(introspectionTimeoutMs) && introspectionTimeoutMs > 0)) {
    print(`error: --introspection-timeout-ms expects a positive whole number of milliseconds, got "${timeoutText}"`);
    return 2;
  }

  try {
    const config = await loadSupergraphConfig(args.config, { env });
    const subgraphs = await resolveSubgraphs(config, { introspectionTimeoutMs });
    const names = subgraphs.map((s) => s.name);
    const outcome = composeSubgraphs(subgraphs);

    if (!outcome.ok) {
      reportIssues(outcome.errors, 'error', print, env);
      const count = outcome.errors.length;
      print(`error: composition failed with ${count} ${count === 1 ? 'error' : 'errors'} (${names.length} subgraphs: ${names.join(', ')})`);
      return 1;
    }

    const sdl = outcome.supergraphSdl.endsWith('\n') ? outcome.supergraphSdl : `${outcome.supergraphSdl}\n`;
    if (args.output === undefined) io.stdout(sdl);
    else await writeAtomically(args.output, sdl);

    reportIssues(outcome.hints, 'hint', print, env);
    const pinned = config.federationVersion;
    if (pinned?.kind === 'exact' && pinned.raw.slice(1) !== COMPOSITION_VERSION) {
      print(`note: federation_version ${pinned.raw} is pinned; composed with @apollo/composition ${COMPOSITION_VERSION}`);
    }
    const target = args.output === undefined ? 'stdout' : displayPath(resolve(args.output));
    print(`composed ${names.length} ${names.length === 1 ? 'subgraph' : 'subgraphs'} (${names.join(', ')}) → ${target}`);
    return 0;
  } catch (error) {
    if (error instanceof SupergraphConfigError) {
      for (const problem of error.problems) print(`error: ${problem}`);
      return 1;
    }
    // OutputError, or a bug: still one line, not a stack trace in a CI log.
    print(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

function reportIssues(
  issues: CompositionIssue[],
  severity: 'error' | 'hint',
  print: (text: string) => void,
  env: Record<string, string | undefined>,
): void {
  if (issues.length === 0) return;
  print(formatCompositionIssues(issues, { severity }));
  if (env['GITHUB_ACTIONS'] === 'true') {
    const workspace = env['GITHUB_WORKSPACE'] ?? process.cwd();
    print(formatGitHubAnnotations(issues, { severity, repositoryPath: (source) => relative(workspace, resolve(source)) }));
  }
}

class OutputError extends Error {}

/** Write-then-rename, so a gateway watching the file never reads half a schema. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const target = resolve(path);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(temporary, text);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new OutputError(`cannot write ${displayPath(target)}: ${reason}`);
  }
}
