// `tollgate operations publish --manifest FILE --client NAME`: adds a version of a client's
// trusted documents to Redis, where every gateway with `persisted_documents.redis.enabled` picks it
// up without a restart. The manifest is checked first, as the gateway checks a manifest file
// (format, bounds, every body parses, no id with two bodies, none that another published version
// holds with another body); a manifest that fails is refused and nothing is written.
// Exit codes: 0 published; 1 refused or Redis unreachable; 2 usage error.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadConfigFile } from './config/load.ts';
import { ConfigError } from './core/config-errors.ts';
import { manifestBounds } from './document/config.ts';
import { MAX_MANIFEST_FILE_BYTES } from './document/manifest-files.ts';
import { ManifestError, parseManifest } from './document/manifest.ts';
import { CLIENT_NAME, publishedBodies, publishVersion } from './document/published-manifests.ts';

const USAGE = `Usage: tollgate operations publish --manifest FILE --client NAME [--config gateway.yaml]

Publishes a trusted-document manifest (Apollo's persisted-query manifest or Relay's map) for a
client as its next version, under the config's redis.url and redis.key_prefix. Running gateways
with persisted_documents.redis.enabled load it without a restart.

Options:
  -m, --manifest <path>   the manifest JSON
      --client <name>     the client it belongs to (letters, digits, ".", "_", "-")
  -c, --config <path>     gateway config: redis.url, redis.key_prefix, persisted_documents bounds (default: gateway.yaml)
  -h, --help              show this help

Exit status: 0 published, 1 refused (nothing written) or Redis unreachable, 2 usage error.
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

  let redisUrl: string;
  let prefix: string;
  let bounds;
  try {
    const { config } = await loadConfigFile(args.config);
    redisUrl = config.redis.url;
    prefix = config.redis.key_prefix;
    bounds = manifestBounds(config.persisted_documents, config.limits.parser_max_tokens);
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  if (redisUrl === '') return fail(`${args.config}: redis.url is empty: published manifests live in Redis`);

  let entries;
  try {
    const text = await readFile(args.manifest, 'utf8');
    if (Buffer.byteLength(text) > MAX_MANIFEST_FILE_BYTES) return fail(`${args.manifest}: over ${MAX_MANIFEST_FILE_BYTES} bytes; nothing was published`);
    entries = parseManifest(text, args.manifest, bounds);
  } catch (error) {
    if (error instanceof ManifestError) return fail(`${error.message}; nothing was published`);
    return fail(`cannot read ${args.manifest}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }

  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null, lazyConnect: true });
  redis.on('error', () => undefined); // the command's own rejection says it
  try {
    await redis.connect();
    // An id already published with another body would be refused by every gateway: refuse it here.
    const published = await publishedBodies(redis, prefix);
    let fresh = 0;
    for (const entry of entries) {
      const known = published.get(entry.id);
      if (known === undefined) fresh++;
      else if (known.body !== entry.body) return fail(`${entry.where}: id ${entry.id} is already published (${known.where}) with another body; nothing was published`);
    }
    if (published.size + fresh > bounds.maxDocuments) {
      return fail(`${args.manifest}: ${published.size + fresh} trusted documents in all, more than persisted_documents.max_documents (${bounds.maxDocuments}); nothing was published`);
    }
    const version = await publishVersion(redis, prefix, args.client, entries);
    io.stdout(`published ${entries.length} operations (${fresh} new) for client ${args.client} as version ${version}\n`);
    return 0;
  } catch (error) {
    return fail(`Redis (${new URL(redisUrl).host}): ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}
