// `telemetry.tracing` in gateway.yaml: defaults (off), values from the environment, refusals that
// name the key, the demo file documenting every key with its default, and a change needing a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../gateway/src/core/config-errors.ts';
import { loadConfigFile, parseConfig } from '../../../gateway/src/config/load.ts';
import { restartOnlyChanges } from '../../../gateway/src/reload.ts';

const withTracing = (tracing: unknown) => parseConfig({ supergraph: { file: 's.graphql' }, telemetry: { tracing } }, {});

/** Asserts that `tracing` is refused with exactly this line among the problems. */
function refused(tracing: unknown, line: string): void {
  assert.throws(
    () => withTracing(tracing),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.ok(error.message.split('\n').includes(`  - ${line}`), `expected the line "${line}" in:\n${error.message}`);
      return true;
    },
  );
}

const DEFAULTS = {
  enabled: false,
  service_name: 'tollgate',
  otlp: { headers: {}, timeout_ms: 10_000, compression: 'none' },
  sampler: { ratio: 1, parent_based: true },
  propagation: { trust_incoming: true },
  batch: { max_queue_size: 2048, max_export_batch_size: 512, scheduled_delay_ms: 5000 },
};

test('tracing is off by default, with safe bounds', () => {
  assert.deepEqual(parseConfig({ supergraph: { file: 's.graphql' } }, {}).telemetry.tracing, DEFAULTS);
});

test('the demo gateway.yaml documents every tracing key with its default value', async () => {
  const { config } = await loadConfigFile('gateway/gateway.yaml', {});
  assert.deepEqual(config.telemetry.tracing, DEFAULTS);
});

test('enabled without an endpoint is refused naming telemetry.tracing.otlp.endpoint', () => {
  refused({ enabled: true }, 'telemetry.tracing.otlp.endpoint: required when telemetry.tracing.enabled is true (e.g. http://127.0.0.1:4318/v1/traces)');
  // Off, the endpoint may be left out.
  assert.equal(withTracing({ enabled: false }).telemetry.tracing.otlp.endpoint, undefined);
});

test('bad values are refused naming their key', () => {
  const endpoint = 'http://127.0.0.1:4318/v1/traces';
  refused({ enabled: true, otlp: { endpoint: 'grpc://collector:4317' } }, 'telemetry.tracing.otlp.endpoint: expected an http(s) URL such as http://127.0.0.1:4318/v1/traces');
  refused({ enabled: true, otlp: { endpoint: 'not a url' } }, 'telemetry.tracing.otlp.endpoint: expected an http(s) URL such as http://127.0.0.1:4318/v1/traces');
  refused({ enabled: true, otlp: { endpoint, timeout_ms: 0 } }, 'telemetry.tracing.otlp.timeout_ms: Too small: expected number to be >=1');
  refused({ enabled: true, otlp: { endpoint, compression: 'zstd' } }, 'telemetry.tracing.otlp.compression: Invalid option: expected one of "none"|"gzip"');
  refused({ enabled: true, otlp: { endpoint, headers: { 'x-key': 'a\nb' } } }, 'telemetry.tracing.otlp.headers.x-key: expected a header value without control characters');
  refused({ enabled: true, otlp: { endpoint }, sampler: { ratio: 1.5 } }, 'telemetry.tracing.sampler.ratio: Too big: expected number to be <=1');
  refused({ enabled: true, otlp: { endpoint }, sampler: { ratio: -0.1 } }, 'telemetry.tracing.sampler.ratio: Too small: expected number to be >=0');
  refused({ enabled: true, otlp: { endpoint }, batch: { max_queue_size: 100 } }, 'telemetry.tracing.batch.max_export_batch_size: must not exceed telemetry.tracing.batch.max_queue_size (100)');
  refused({ enabled: true, otlp: { endpoint }, batch: { max_queue_size: 0 } }, 'telemetry.tracing.batch.max_queue_size: Too small: expected number to be >=1');
  refused({ enabled: 'yes' }, 'telemetry.tracing.enabled: expected a boolean, got string "yes"');
  refused({ sampling: {} }, 'telemetry.tracing.sampling: unknown key (allowed: enabled, service_name, otlp, sampler, propagation, batch)');
});

test('numbers and booleans may come from the environment', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-tracing-config-'));
  const path = join(dir, 'gateway.yaml');
  await writeFile(
    path,
    [
      'supergraph: { file: s.graphql }',
      'telemetry:',
      '  tracing:',
      '    enabled: "${TRACING:-false}"',
      '    otlp:',
      '      endpoint: "${OTLP_ENDPOINT}"',
      '      headers: { authorization: "Bearer ${OTLP_TOKEN}" }',
      '      timeout_ms: "${OTLP_TIMEOUT_MS:-10000}"',
      '    sampler: { ratio: "${TRACE_RATIO:-1}", parent_based: "${TRACE_PARENT_BASED:-true}" }',
      '',
    ].join('\n'),
  );
  const { config } = await loadConfigFile(path, {
    TRACING: 'true',
    OTLP_ENDPOINT: 'https://tempo.example:4318/v1/traces',
    OTLP_TOKEN: 't0ken',
    OTLP_TIMEOUT_MS: '2500',
    TRACE_RATIO: '0.25',
    TRACE_PARENT_BASED: 'false',
  });
  assert.deepEqual(config.telemetry.tracing, {
    ...DEFAULTS,
    enabled: true,
    otlp: { endpoint: 'https://tempo.example:4318/v1/traces', headers: { authorization: 'Bearer t0ken' }, timeout_ms: 2500, compression: 'none' },
    sampler: { ratio: 0.25, parent_based: false },
  });
});

test('a tracing change needs a restart (SIGHUP refuses it, naming telemetry)', () => {
  const running = parseConfig({ supergraph: { file: 's.graphql' } }, {});
  const next = withTracing({ enabled: true, otlp: { endpoint: 'http://127.0.0.1:4318/v1/traces' } });
  assert.deepEqual(restartOnlyChanges(running, next), ['telemetry']);
});
