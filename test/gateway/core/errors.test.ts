import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, GatewayError } from '../../../gateway/src/core/errors.ts';

test('README documents every error code of the registry, with its status', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const missing = Object.entries(ERROR_CODES)
    .filter(([code, spec]) => !new RegExp(`\\| \`${code}\` \\| ${spec.status}\\*? \\|`).test(readme))
    .map(([code, spec]) => `${code} (${spec.status})`);
  assert.deepEqual(missing, [], `README's error table lacks: ${missing.join(', ')}`);
});

test('a GatewayError takes its status from the registry unless told otherwise', () => {
  assert.equal(new GatewayError('RATE_LIMITED', 'x').status, 429);
  assert.equal(new GatewayError('BAD_REQUEST', 'x', { status: 405 }).status, 405);
  assert.deepEqual(new GatewayError('BAD_REQUEST', 'x', { extensions: { a: 1 } }).toFormattedErrors(), [
    { message: 'x', extensions: { code: 'BAD_REQUEST', a: 1 } },
  ]);
});
