// `tollgate publish` and `tollgate registry history|show|rollback`: the registry's HTTP API (a
// gateway's admin listener) for service teams and ops, with the token from TOLLGATE_REGISTRY_TOKEN.
// Exit codes: 0 done (published, nothing new, shown, rolled back); 1 refused (composition failed,
// conflict, token refused, no such version); 2 usage (flags, unreadable schema, registry
// unreachable); 3 publish refused for breaking changes (as `tollgate check`).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { CheckedChange } from './check.ts';
import { formatChanges } from './check-report.ts';
import { formatCompositionIssues, type CompositionIssue } from './compose.ts';
import { DEFAULT_REGISTRY_TIMEOUT_MS, registryRequest, RegistryClientError, REGISTRY_TOKEN_ENV, type RegistryAnswer } from './registry-client.ts';
import type { VersionRecord, VersionSummary } from './registry-store.ts';

export interface RegistryCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env?: Record<string, string | undefined>;
}

const defaultIo: RegistryCommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

const COMMON = `  -r, --registry <url>   the registry: a gateway's admin listener (e.g. http://gw:4100); or TOLLGATE_REGISTRY_URL
      --format <format>  text (default) or json
      --timeout-ms <n>   deadline of the call (default ${DEFAULT_REGISTRY_TIMEOUT_MS})
  -h, --help             show this help

The token is read from ${REGISTRY_TOKEN_ENV}.`;

const PUBLISH_USAGE = `Usage: tollgate publish --name NAME --schema FILE --routing-url URL --registry URL [--force] [--note TEXT]

Publishes one subgraph to the registry. The registry composes it with the other subgraphs and
checks the result against the current supergraph: a set that does not compose, or one with breaking
changes (unless --force, which needs the force role and is recorded), is refused and nothing
changes. Gateways following the registry load the new supergraph without a restart.

Options:
  -n, --name <name>        the subgraph's name
  -s, --schema <path>      its SDL
  -u, --routing-url <url>  where gateways send its queries
      --force              accept breaking changes (recorded as forced)
      --note <text>        recorded with the version (e.g. commit and CI run), at most 200 characters
${COMMON}

Exit status: 0 published or unchanged, 1 refused (composition, conflict, token), 2 usage error or
registry unreachable, 3 refused for breaking changes.
`;

const REGISTRY_USAGE = `Usage: tollgate registry history [--limit N] --registry URL
       tollgate registry show [VERSION] [--supergraph] --registry URL
       tollgate registry rollback --to VERSION [--note TEXT] --registry URL

  history    the versions, newest first: who published what, when, forced or not (the audit log)
  show       one version (default: the current one) and its subgraphs; --supergraph prints its SDL
  rollback   makes version VERSION's subgraphs current again, as a new version (needs the rollback role)

Options:
      --limit <n>          history: how many versions (default 20, at most 1000)
      --supergraph         show: print the supergraph SDL only (e.g. for tollgate check --against)
      --to <version>       rollback: the version to restore
      --note <text>        rollback: recorded with the version
${COMMON}

Exit status: 0 done, 1 refused (no such version, token refused), 2 usage error or registry unreachable.
`;

class UsageError extends Error {}

interface Common {
  registry: string;
  format: 'text' | 'json';
  timeoutMs: number;
  token: string | undefined;
}

function commonOf(values: Record<string, unknown>, env: Record<string, string | undefined>): Common {
  const registry = (values['registry'] as string | undefined) ?? env['TOLLGATE_REGISTRY_URL'];
  if (registry === undefined) throw new UsageError('--registry is required (or TOLLGATE_REGISTRY_URL)');
  if (!/^https?:\/\/\S+$/.test(registry)) throw new UsageError(`--registry: expected an http:// or https:// URL, got "${registry}"`);
  const format = (values['format'] as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got "${format}"`);
  const timeoutText = values['timeout-ms'] as string | undefined;
  const timeoutMs = timeoutText === undefined ? DEFAULT_REGISTRY_TIMEOUT_MS : Number(timeoutText);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout-ms expects a positive whole number, got "${timeoutText}"`);
  return { registry, format, timeoutMs, token: env[REGISTRY_TOKEN_ENV] };
}

const COMMON_OPTIONS = {
  registry: { type: 'string', short: 'r' },
  format: { type: 'string' },
  'timeout-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs one command body, mapping usage and transport problems to exit 2 with one line. */
async function guarded(io: RegistryCommandIo, name: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    const badFlag = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
    if (error instanceof UsageError || error instanceof RegistryClientError || badFlag) {
      io.stderr(`tollgate ${name}: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}

export function runPublishCommand(argv: string[], io: RegistryCommandIo = defaultIo): Promise<number> {
  const env = io.env ?? process.env;
  return guarded(io, 'publish', async () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...COMMON_OPTIONS,
        name: { type: 'string', short: 'n' },
        schema: { type: 'string', short: 's' },
        'routing-url': { type: 'string', short: 'u' },
        force: { type: 'boolean' },
        note: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout(PUBLISH_USAGE);
      return 0;
    }
    const missing = (['name', 'schema', 'routing-url'] as const).filter((key) => values[key] === undefined);
    if (missing.length > 0) throw new UsageError(`${missing.map((key) => `--${key}`).join(', ')} required`);
    const common = commonOf(values, env);
    let sdl: string;
    try {
      sdl = await readFile(values.schema as string, 'utf8');
    } catch (error) {
      throw new UsageError(`--schema ${values.schema}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const body = { name: values.name, routing_url: values['routing-url'], sdl, force: values.force ?? false, ...(values.note ? { note: values.note } : {}) };
    const answer = await registryRequest(common.registry, 'POST', '/registry/publish', { token: common.token, body, timeoutMs: common.timeoutMs });
    if (common.format === 'json') io.stdout(`${JSON.stringify(answer.body, null, 2)}\n`);
    if (answer.status === 200) {
      if (common.format === 'text') io.stdout(publishedText(values.name as string, answer.body));
      return 0;
    }
    if (common.format === 'text') io.stderr(refusedText(answer));
    return answer.body?.error?.code === 'BREAKING_CHANGES' ? 3 : 1;
  });
}

function publishedText(name: string, body: { status: string; version: number; hash: string; forced?: boolean; changes?: CheckedChange[] }): string {
  if (body.status === 'unchanged') return `subgraph ${name} is unchanged: version ${body.version} already holds it (nothing published)\n`;
  const changes = body.changes ?? [];
  const count = (severity: string) => changes.filter((c) => c.severity === severity).length;
  const forced = body.forced ? ', FORCED past breaking changes' : '';
  // Breaking (forced) and dangerous changes listed; safe ones counted.
  return `${formatChanges(changes.filter((c) => c.severity !== 'SAFE'))}published subgraph ${name} as version ${body.version} (supergraph ${body.hash.slice(0, 12)}; ${count('BREAKING')} breaking, ${count('DANGEROUS')} dangerous, ${count('SAFE')} safe changes${forced})\n`;
}

function refusedText(answer: RegistryAnswer): string {
  const error = answer.body?.error ?? {};
  let text = `refused (${answer.status} ${error.code ?? 'HTTP'}): ${error.message ?? ''}\n`;
  if (Array.isArray(error.errors)) text += `${formatCompositionIssues(error.errors as CompositionIssue[])}\n`;
  if (Array.isArray(error.changes)) text += formatChanges(error.changes as CheckedChange[]);
  return text;
}

export function runRegistryCommand(argv: string[], io: RegistryCommandIo = defaultIo): Promise<number> {
  const env = io.env ?? process.env;
  const [sub, ...rest] = argv;
  return guarded(io, `registry ${sub ?? ''}`.trim(), async () => {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...COMMON_OPTIONS, limit: { type: 'string' }, supergraph: { type: 'boolean' }, to: { type: 'string' }, note: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    if (sub === undefined || sub === 'help' || sub === '--help' || values.help) {
      io.stdout(REGISTRY_USAGE);
      return sub === undefined ? 2 : 0;
    }
    const common = commonOf(values, env);
    const call = (method: 'GET' | 'POST', path: string, body?: unknown) => registryRequest(common.registry, method, path, { token: common.token, body, timeoutMs: common.timeoutMs });
    let answer: RegistryAnswer;
    switch (sub) {
      case 'history': {
        const limit = values.limit ?? '20';
        answer = await call('GET', `/registry/history?limit=${encodeURIComponent(limit)}`);
        if (answer.status === 200 && common.format === 'text') io.stdout(historyText(answer.body.versions as VersionSummary[]));
        break;
      }
      case 'show': {
        const version = positionals[0];
        if (version !== undefined && !/^\d+$/.test(version)) throw new UsageError(`show: expected a version number, got "${version}"`);
        answer = await call('GET', version === undefined ? '/registry/current' : `/registry/versions/${version}`);
        if (answer.status === 200 && common.format === 'text') io.stdout(values.supergraph ? ensureNewline(answer.body.supergraph) : showText(answer.body as VersionRecord));
        break;
      }
      case 'rollback': {
        if (values.to === undefined || !/^\d+$/.test(values.to)) throw new UsageError('rollback: --to <version number> is required');
        answer = await call('POST', '/registry/rollback', { version: Number(values.to), ...(values.note ? { note: values.note } : {}) });
        if (answer.status === 200 && common.format === 'text') {
          io.stdout(`rolled back: version ${answer.body.version} holds version ${answer.body.rolledBackTo}'s subgraphs (supergraph ${String(answer.body.hash).slice(0, 12)})\n`);
        }
        break;
      }
      default:
        throw new UsageError(`unknown subcommand "${sub}" (history, show, rollback)`);
    }
    if (common.format === 'json' && !(sub === 'show' && values.supergraph)) io.stdout(`${JSON.stringify(answer.body, null, 2)}\n`);
    if (answer.status === 200) return 0;
    if (common.format === 'text') io.stderr(refusedText(answer));
    return 1;
  });
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function historyText(versions: VersionSummary[]): string {
  if (versions.length === 0) return 'nothing has been published yet\n';
  const rows = versions.map((v) => [
    String(v.version),
    v.createdAt,
    v.identity,
    v.action === 'rollback' ? `rollback to ${v.rolledBackTo}` : `publish ${v.subgraph ?? ''}`,
    v.forced ? 'FORCED' : '',
    v.changes ? `${v.changes.breaking}/${v.changes.dangerous}/${v.changes.safe}` : '',
    v.hash.slice(0, 12),
    v.note ?? '',
  ]);
  const header = ['version', 'time', 'identity', 'action', 'forced', 'b/d/s', 'supergraph', 'note'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd()).join('\n') + '\n';
}

function showText(record: VersionRecord): string {
  const lines = [
    `version ${record.version}  ${record.createdAt}  by ${record.identity}  ${record.action === 'rollback' ? `rollback to ${record.rolledBackTo}` : `publish ${record.subgraph}`}${record.forced ? '  FORCED' : ''}`,
    `supergraph ${record.hash}`,
    ...(record.note ? [`note: ${record.note}`] : []),
    ...(record.breakingChanges?.length ? [`breaking changes accepted: ${record.breakingChanges.map((c) => `${c.kind} ${c.coordinate}`).join(', ')}`] : []),
    'subgraphs:',
    ...record.subgraphs.map((s) => `  ${s.name.padEnd(Math.max(...record.subgraphs.map((t) => t.name.length)))}  ${s.routingUrl}  (${s.sdl.length} characters)`),
  ];
  return `${lines.join('\n')}\n`;
}
