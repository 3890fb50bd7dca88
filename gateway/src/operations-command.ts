// `tollgate operations publish --manifest FILE --client NAME`: adds a version of a client's
// trusted documents to Redis, where every gateway with `persisted_documents.redis.enabled` picks it
// up without a restart. The manifest is checked first as a gateway of the config would take it:
// format, bounds, every body parses; no id its manifest files hold with another body; and every
// operation passes what a request for it would meet in stage 4 (validation, introspection, the
// document limits and the fixed cost of the client's profile). Every operation that fails is named
// in one run. Then one script in Redis checks it against everything published (no id with another
// body, at most max_documents) and writes it, so two publishes racing cannot both pass. A manifest
// that fails anything is refused and nothing is written; one whose every id is already published
// with its body writes nothing either (no empty version) and says where they are.
// Exit codes: 0 published or nothing new; 1 refused, supergraph unreadable or Redis unreachable; 2 usage error.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfigFile } from './config/load.ts';
import type { GatewayConfig } from './config/schema.ts';
import { ConfigError } from './core/config-errors.ts';
import { GatewayError } from './core/errors.ts';
import { createRedisClient, describeRedis, isRedisConfigured } from './core/redis-client.ts';
import { PersistedQueryCache } from './document/apq-cache.ts';
import { manifestBounds } from './document/config.ts';
import { loadManifestFiles, MAX_MANIFEST_FILE_BYTES } from './document/manifest-files.ts';
import { ManifestError, readManifest, sameIdOtherBody, type ManifestEntry } from './document/manifest.ts';
import { CLIENT_NAME, publishVersion } from './document/published-manifests.ts';
import { ValidatedDocumentStore } from './document/stage.ts';
import type { TrustedDocuments } from './document/trusted-documents.ts';
import { checkStages } from './graph.ts';
import { loadSupergraphSdl, SupergraphLoadError } from './schema/supergraph-source.ts';

const USAGE = `Usage: tollgate operations publish --manifest FILE --client NAME [--config gateway.yaml] [--supergraph FILE]

Publishes a trusted-document manifest (Apollo's persisted-query manifest or Relay's map) for a
client as its next version, under the config's redis.url and redis.key_prefix. Every operation
must first pass what a gateway of the config would check: the supergraph, the document limits
and max cost of the profile the client name picks (else default), no id of the config's manifest
files with another body. Running gateways with persisted_documents.redis.enabled load it without
a restart.

Options:
  -m, --manifest <path>   the manifest JSON
      --client <name>     the client it belongs to (letters, digits, ".", "_", "-")
  -c, --config <path>     gateway config: redis.url, redis.key_prefix, persisted_documents bounds,
                          document limits, and the supergraph (default: gateway.yaml)
  -s, --supergraph <path> validate against this supergraph SDL instead of the config's supergraph
  -h, --help              show this help

An id of the form sha256:<64 hex> and the bare <64 hex> are one id, and must be the SHA-256 of
the body. A manifest whose every id is already published with its body writes no version.

Exit status: 0 published or nothing new, 1 refused (nothing written), supergraph unreadable or Redis unreachable,
2 usage error.
`;

export interface OperationsCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: OperationsCommandIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

export async function runOperationsCommand(argv: string[], io: OperationsCommandIo = defaultIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    io.stdout(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'publish') {
    io.stderr(`tollgate operations: unknown subcommand "${sub}"\n${USAGE}`);
    return 2;
  }
  let args;
  try {
    args = parseArgs({
      args: rest,
      options: {
        manifest: { type: 'string', short: 'm' },
        client: { type: 'string' },
        config: { type: 'string', short: 'c', default: 'gateway.yaml' },
        supergraph: { type: 'string', short: 's' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr(`tollgate operations publish: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (args.manifest === undefined || args.client === undefined) {
    io.stderr(`tollgate operations publish: --manifest and --client are required\n${USAGE}`);
    return 2;
  }
  if (!CLIENT_NAME.test(args.client)) {
    io.stderr('tollgate operations publish: --client: letters, digits, ".", "_" and "-" only, at most 100\n');
    return 2;
  }
  const fail = (message: string) => {
    io.stderr(`tollgate operations publish: ${message}\n`);
    return 1;
  };

  let config: GatewayConfig;
  let baseDir: string;
  try {
    ({ config, baseDir } = await loadConfigFile(args.config));
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  const bounds = manifestBounds(config.persisted_documents, config.limits.parser_max_tokens);
  if (!isRedisConfigured(config.redis)) return fail(`${args.config}: redis.url is empty (and neither redis.cluster nor redis.sentinel is set): published manifests live in Redis`);

  let manifest: { entries: ManifestEntry[]; problems: string[]; total: number };
  try {
    const text = await readFile(args.manifest, 'utf8');
    if (Buffer.byteLength(text) > MAX_MANIFEST_FILE_BYTES) return fail(`${args.manifest}: over ${MAX_MANIFEST_FILE_BYTES} bytes; nothing was published`);
    manifest = readManifest(text, args.manifest, bounds);
  } catch (error) {
    if (error instanceof ManifestError) return fail(`${error.message}; nothing was published`);
    return fail(`cannot read ${args.manifest}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const { entries } = manifest;

  // The config's own manifest files: a gateway of it holds their ids before any published one.
  let files: TrustedDocuments;
  try {
    ({ documents: files } = await loadManifestFiles(config.persisted_documents, baseDir, config.limits.parser_max_tokens));
  } catch (error) {
    if (error instanceof ConfigError) return fail(`${args.config}: ${error.message}; nothing was published`);
    throw error;
  }

  let checked: { source: string; profile: string; failures: string[] };
  try {
    checked = await refusedOperations(entries, files, config, baseDir, args.client, args.supergraph);
  } catch (error) {
    if (error instanceof SupergraphLoadError) return fail(`${error.message}; nothing was published`);
    throw error;
  }
  const failures = [...manifest.problems, ...checked.failures];
  if (failures.length > 0) {
    const shown = failures.slice(0, MAX_FAILURES_SHOWN).map((failure) => `\n  - ${failure}`).join('');
    const more = failures.length > MAX_FAILURES_SHOWN ? `\n  … and ${failures.length - MAX_FAILURES_SHOWN} more` : '';
    return fail(
      `${failures.length} of ${manifest.total} operations would be refused by a gateway of this config (${checked.source}; client profile ${checked.profile}); nothing was published:${shown}${more}`,
    );
  }
  const wanted = new Set(entries.map(({ id }) => id));
  const fileOnly = files.ids().filter((id) => !wanted.has(id));

  const redis = createRedisClient(config.redis, { maxRetriesPerRequest: 1, connectTimeoutMs: 3000, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => undefined); // the command's own rejection says it
  try {
    await redis.connect();
    const outcome = await publishVersion(redis, config.redis.key_prefix, args.client, entries, bounds.maxDocuments, args.manifest, fileOnly);
    if (outcome.unchanged) {
      io.stdout(`nothing new for client ${args.client}: ${heldBy(outcome.heldBy, args.client, entries.length)}\n`);
      return 0;
    }
    if (!outcome.published) return fail(`${outcome.refusal.message}; nothing was published`);
    io.stdout(`published ${entries.length} operations (${outcome.fresh} new) for client ${args.client} as version ${outcome.version}\n`);
    return 0;
  } catch (error) {
    return fail(`Redis (${describeRedis(config.redis)}): ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** Says where a manifest that adds nothing is already published: `version 1 already holds these 2 operations`. */
function heldBy(places: ReadonlyArray<{ client: string; version: number }>, client: string, count: number): string {
  if (places.length === 0) return 'the manifest holds no operations';
  const named = places.map((place) => (place.client === client ? `version ${place.version}` : `client ${place.client} version ${place.version}`));
  const list = named.length === 1 ? named[0] : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
  return `${list} already ${named.length === 1 ? 'holds' : 'hold'} these ${count} operations`;
}

/** At most this many operations that do not validate are listed. */
const MAX_FAILURES_SHOWN = 10;

/**
 * The manifest's operations a gateway of this config would refuse, one message each, in manifest
 * order: an id one of its manifest files (`persisted_documents.manifests`) holds with another body;
 * then what a request for the document would meet in stage 4 (graph.ts builds it as the gateway
 * does): parse, validation, introspection and the document limits of the client profile the
 * `--client` name picks (`clients.profiles.<p>.client_names`; else `default`), and, with demand
 * control enforced, the profile's `max_cost` (or `demand_control`'s max) for an operation whose
 * estimate no variable changes. Over `--supergraph` or the config's supergraph (`supergraph.file`,
 * or `supergraph.compose` composed now). Throws SupergraphLoadError when it cannot be read or loaded.
 */
async function refusedOperations(
  entries: readonly ManifestEntry[],
  files: TrustedDocuments,
  config: GatewayConfig,
  baseDir: string,
  client: string,
  supergraphFile: string | undefined,
): Promise<{ source: string; profile: string; failures: string[] }> {
  let sdl: string;
  let source: string;
  if (supergraphFile !== undefined) {
    source = `--supergraph ${supergraphFile}`;
    try {
      sdl = await readFile(supergraphFile, 'utf8');
    } catch (error) {
      throw new SupergraphLoadError(`--supergraph: cannot read ${supergraphFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  } else {
    source = config.supergraph.file !== undefined ? `supergraph.file: ${config.supergraph.file}` : `supergraph.compose: ${config.supergraph.compose}`;
    sdl = await loadSupergraphSdl(config.supergraph, baseDir);
  }
  const stages = checkStages(sdl, config, {
    persistedQueries: new PersistedQueryCache(1),
    documentStore: new ValidatedDocumentStore(1),
    caches: { documents: { maxEntries: 1, maxBytes: Infinity } },
  });
  const profiles = config.clients.profiles;
  const profile = Object.keys(profiles).find((name) => profiles[name]?.client_names.includes(client)) ?? 'default';
  const policy: { persisted_only: boolean; introspection?: boolean | undefined; max_cost?: number | undefined } = profiles[profile] ?? { persisted_only: false };
  const failures: string[] = [];
  for (const entry of entries) {
    const held = files.entry(entry.id);
    if (held !== undefined && held.body !== entry.body) {
      failures.push(sameIdOtherBody(entry, `persisted_documents.manifests (${held.where})`).message);
      continue;
    }
    try {
      const { document, operations } = stages.document.check(entry.body, profile, policy);
      for (const operation of operations) stages.cost?.checkAhead(document, operation.name?.value, policy.max_cost);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      failures.push(`${entry.where}: ${error.message}`);
    }
  }
  return { source, profile, failures };
}
