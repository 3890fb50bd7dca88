// `tollgate cache invalidate`: the edge cache's POST /cache/invalidate on a gateway's admin
// listener (one call, bounded in time), with the token from TOLLGATE_ADMIN_TOKEN (or
// TOLLGATE_REGISTRY_TOKEN: the same `admin.tokens`; it needs the invalidate role).
// Exit codes: 0 invalidated; 1 refused (token, role, bad target); 2 usage, or the listener unreachable.
import { parseFlags } from './schema/command-flags.ts';
import { DEFAULT_REGISTRY_TIMEOUT_MS, refusalText, registryRequest, RegistryClientError } from './schema/registry-client.ts';

export interface CacheCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env?: Record<string, string | undefined>;
}

const USAGE = `Usage: tollgate cache invalidate --type TYPE [--key JSON] --admin URL
       tollgate cache invalidate --entities JSON --admin URL

Invalidates the edge cache on every instance: one entity of TYPE by its key fields (--key), every
cached answer holding TYPE (no --key), or a list of entities as a subgraph's invalidateEntities
extension lists them. Cached answers older than the invalidation are misses from then on.

Options:
  -t, --type <type>       the entity type, e.g. Product
  -k, --key <json>        its key fields, e.g. '{"upc":"p1"}'
      --entities <json>   e.g. '[{"__typename":"Product","upc":"p1"}]'
  -a, --admin <url>       a gateway's admin listener (e.g. http://gw:4100); or TOLLGATE_ADMIN_URL
      --timeout-ms <n>    deadline of the call (default ${DEFAULT_REGISTRY_TIMEOUT_MS})
  -h, --help              show this help

The token (role invalidate) is read from TOLLGATE_ADMIN_TOKEN, else TOLLGATE_REGISTRY_TOKEN.
Exit status: 0 invalidated, 1 refused, 2 usage error or admin listener unreachable.
`;

const defaultIo: CacheCommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export async function runCacheCommand(argv: string[], io: CacheCommandIo = defaultIo): Promise<number> {
  const env = io.env ?? process.env;
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    io.stdout(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'invalidate') {
    io.stderr(`error: unknown cache command "${sub}"\n${USAGE}`);
    return 2;
  }
  const values = parseFlags(
    rest,
    {
      type: { type: 'string', short: 't' },
      key: { type: 'string', short: 'k' },
      entities: { type: 'string' },
      admin: { type: 'string', short: 'a' },
      'timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'cache invalidate',
    (text) => io.stderr(`${text}\n`),
  );
  if (values === undefined) return 2;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const admin = values.admin ?? env['TOLLGATE_ADMIN_URL'];
  const usage = (message: string) => {
    io.stderr(`error: ${message}\nRun 'tollgate cache invalidate --help' for usage.\n`);
    return 2;
  };
  if (admin === undefined) return usage('--admin is required (or TOLLGATE_ADMIN_URL)');
  const timeoutMs = values['timeout-ms'] === undefined ? DEFAULT_REGISTRY_TIMEOUT_MS : Number(values['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) return usage('--timeout-ms: expected a positive whole number');
  let body: Record<string, unknown>;
  try {
    if (values.entities !== undefined) {
      if (values.type !== undefined || values.key !== undefined) return usage('give --entities, or --type (and --key), not both');
      body = { entities: JSON.parse(values.entities) };
    } else {
      if (values.type === undefined) return usage('--type (or --entities) is required');
      body = { type: values.type, ...(values.key === undefined ? {} : { key: JSON.parse(values.key) }) };
    }
  } catch (error) {
    return usage(`not JSON: ${(error as Error).message}`);
  }
  const token = env['TOLLGATE_ADMIN_TOKEN'] ?? env['TOLLGATE_REGISTRY_TOKEN'];
  try {
    const answer = await registryRequest(admin, 'POST', '/cache/invalidate', { token, body, timeoutMs });
    if (answer.status !== 200) {
      io.stderr(`refused: ${refusalText(answer)}\n`);
      return 1;
    }
    const targets = (answer.body?.invalidated ?? []) as Array<{ type: string; key?: unknown }>;
    for (const target of targets) io.stdout(`invalidated ${target.type}${target.key === undefined ? ' (every cached answer of the type)' : ` ${JSON.stringify(target.key)}`}\n`);
    return 0;
  } catch (error) {
    if (error instanceof RegistryClientError) {
      io.stderr(`error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
