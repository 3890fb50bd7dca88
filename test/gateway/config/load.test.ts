import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../gateway/src/core/config-errors.ts';
import { loadConfigFile, parseConfig } from '../../../gateway/src/config/load.ts';

async function configFile(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-config-'));
  const path = join(dir, 'gateway.yaml');
  await writeFile(path, yaml);
  return path;
}

test('the demo gateway.yaml validates and fills every default', async () => {
  const { config } = await loadConfigFile('gateway/gateway.yaml', { PORT: '4555' });
  assert.equal(config.server.listen, '0.0.0.0:4555');
  assert.equal(config.supergraph.compose, '../supergraph.yaml');
  assert.equal(config.limits.http_max_request_bytes, 2_000_000);
  assert.equal(config.telemetry.logging.level, 'info');
});

test('defaults apply when only the supergraph is given', () => {
  const config = parseConfig({ supergraph: { file: 's.graphql' } }, {});
  assert.equal(config.server.listen, '0.0.0.0:4000');
  assert.equal(config.server.graphql_path, '/graphql');
  assert.equal(config.csrf.unsafe_disabled, false);
  assert.equal(config.limits.parser_max_tokens, 15_000);
  assert.deepEqual(config.override_subgraph_url, {});
});

test('an unknown key fails with its full path', () => {
  assert.throws(
    () => parseConfig({ supergraph: { file: 's' }, server: { lisen: '0.0.0.0:1' } }, {}),
    (error: unknown) => error instanceof ConfigError && /server\.lisen: unknown key/.test(error.message),
  );
});

test('a wrong type fails naming the key', () => {
  assert.throws(
    () => parseConfig({ supergraph: { file: 's' }, limits: { http_max_request_bytes: 'big' } }, {}),
    (error: unknown) => error instanceof ConfigError && /limits\.http_max_request_bytes: /.test(error.message),
  );
});

test('supergraph needs exactly one source', () => {
  assert.throws(() => parseConfig({ supergraph: {} }, {}), /exactly one of supergraph\.file, supergraph\.compose or supergraph\.registry/);
  assert.throws(() => parseConfig({ supergraph: { file: 'a', compose: 'b' } }, {}), /exactly one/);
  assert.throws(() => parseConfig({ supergraph: { file: 'a', registry: {} } }, {}), /exactly one/);
  assert.throws(() => parseConfig({}, {}), /supergraph/);
});

test('the registry and its admin listener: defaults, and wrong values naming the key', () => {
  const redis = { url: 'redis://127.0.0.1:6379' };
  const following = parseConfig({ supergraph: { registry: {} }, redis }, {});
  assert.deepEqual(following.supergraph.registry, { timeout_ms: 2000 });
  assert.equal(following.admin.listen, undefined, 'the admin listener is off by default');
  assert.deepEqual(following.admin, { tokens: [], max_body_bytes: 5_000_000, publish_attempts: 5, redis_timeout_ms: 5000 });
  const token = { name: 'ci', token: 'x'.repeat(16), roles: ['publish'] };
  const refusals: Array<[unknown, RegExp]> = [
    [{ supergraph: { registry: {} } }, /supergraph\.registry: needs redis\.url/],
    [{ supergraph: { file: 'a' }, admin: { listen: '127.0.0.1:4100', tokens: [token] } }, /admin\.listen: needs redis\.url/],
    [{ supergraph: { file: 'a' }, redis, admin: { listen: '127.0.0.1:4100' } }, /admin\.tokens: admin\.listen is set but there is no token/],
    [{ supergraph: { file: 'a' }, redis, admin: { listen: '127.0.0.1:4100', tokens: [{ ...token, token: 'short' }] } }, /admin\.tokens\.0\.token: at least 16 characters/],
    [{ supergraph: { file: 'a' }, redis, admin: { listen: '127.0.0.1:4100', tokens: [{ ...token, roles: ['admin'] }] } }, /admin\.tokens\.0\.roles\.0/],
    [{ supergraph: { file: 'a' }, redis, admin: { listen: '127.0.0.1:4100', tokens: [token, { ...token, token: 'y'.repeat(16) }] } }, /admin\.tokens\.1\.name: "ci" names two tokens/],
    [{ supergraph: { file: 'a' }, redis, server: { listen: '0.0.0.0:4000' }, admin: { listen: '0.0.0.0:4000', tokens: [token] } }, /admin\.listen: the same address as server\.listen/],
  ];
  for (const [input, message] of refusals) assert.throws(() => parseConfig(input as never, {}), message);
});

test('${VAR} and ${VAR:-default} expand; a missing variable without default names the key', async () => {
  const path = await configFile('supergraph:\n  file: "${SG_FILE}"\nserver:\n  listen: "127.0.0.1:${PORT:-4321}"\n');
  const { config } = await loadConfigFile(path, { SG_FILE: 'x.graphql' });
  assert.equal(config.supergraph.file, 'x.graphql');
  assert.equal(config.server.listen, '127.0.0.1:4321');
  await assert.rejects(loadConfigFile(path, {}), /supergraph\.file: \$\{SG_FILE\}: environment variable SG_FILE is not set/);
});

test('invalid YAML and a missing file give one clear line', async () => {
  await assert.rejects(loadConfigFile(await configFile('server: [unclosed\n'), {}), (error: unknown) => {
    return error instanceof ConfigError && /invalid YAML/.test(error.message);
  });
  await assert.rejects(loadConfigFile('/nonexistent/gateway.yaml', {}), /cannot read config file \/nonexistent\/gateway\.yaml: ENOENT/);
});

test('override_subgraph_url accepts only http(s) URLs', () => {
  assert.throws(
    () => parseConfig({ supergraph: { file: 's' }, override_subgraph_url: { orders: 'ftp://x' } }, {}),
    /override_subgraph_url\.orders/,
  );
});

test('numbers and booleans can come from the environment; other text stays a type error naming the key', () => {
  const config = parseConfig(
    { supergraph: { file: 's' }, server: { introspection: '${INTRO:-false}' }, limits: { http_max_request_bytes: '${MAXB}' } },
    { MAXB: '4096' },
  );
  assert.equal(config.limits.http_max_request_bytes, 4096);
  assert.equal(config.server.introspection, false);
  assert.throws(
    () => parseConfig({ supergraph: { file: 's' }, limits: { http_max_request_bytes: '${MAXB}' } }, { MAXB: 'lots' }),
    /limits\.http_max_request_bytes: expected a number, got string "lots"/,
  );
});

test('server.headers_timeout_ms and request_timeout_ms: defaults 10 s / 30 s, bounds named by key', () => {
  const defaults = parseConfig({ supergraph: { file: 's' } }, {});
  assert.equal(defaults.server.headers_timeout_ms, 10_000);
  assert.equal(defaults.server.request_timeout_ms, 30_000);
  const set = parseConfig({ supergraph: { file: 's' }, server: { headers_timeout_ms: '2000', request_timeout_ms: 5000 } }, {});
  assert.equal(set.server.headers_timeout_ms, 2_000);
  assert.equal(set.server.request_timeout_ms, 5_000);
  assert.throws(
    () => parseConfig({ supergraph: { file: 's' }, server: { headers_timeout_ms: 10 } }, {}),
    (error: unknown) => error instanceof ConfigError && /server\.headers_timeout_ms: /.test(error.message),
  );
  assert.throws(
    () => parseConfig({ supergraph: { file: 's' }, server: { headers_timeout_ms: 20_000, request_timeout_ms: 10_000 } }, {}),
    (error: unknown) => error instanceof ConfigError && /server\.request_timeout_ms: must be at least server\.headers_timeout_ms/.test(error.message),
  );
});
