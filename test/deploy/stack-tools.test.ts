// npm run stack:prod's start-up refusals: a missing redis-server or haproxy is named, with what to
// install, before anything starts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MissingToolError, requireTool, type Tool } from '../../deploy/stack/tools.ts';
import { runProcess } from '../support/processes.ts';

const NOWHERE: Tool = { command: 'tollgate-no-such-program', aptPackage: 'tollgate-no-such-package', envOverride: 'TOLLGATE_NO_SUCH_PROGRAM' };

describe('stack:prod: redis-server and haproxy', () => {
  test('a program not on PATH, installing not allowed: the error names the package and the override', () => {
    assert.throws(
      () => requireTool(NOWHERE, { install: false, log: () => {}, env: { PATH: '/nonexistent' } }),
      (err: unknown) =>
        err instanceof MissingToolError &&
        err.message === 'tollgate-no-such-program not found on PATH; install it (Debian/Ubuntu: apt-get install -y tollgate-no-such-package) or set TOLLGATE_NO_SUCH_PROGRAM to its path',
    );
  });

  test('an override that is not an executable is named', () => {
    assert.throws(() => requireTool(NOWHERE, { install: true, log: () => {}, env: { TOLLGATE_NO_SUCH_PROGRAM: '/nonexistent/haproxy' } }), /^MissingToolError: TOLLGATE_NO_SUCH_PROGRAM=\/nonexistent\/haproxy: not an executable file$/);
  });

  test('npm run stack:prod with haproxy missing: exit 1, one line, nothing started', async () => {
    const result = await runProcess(process.execPath, ['--import', 'tsx', 'deploy/stack/cli.ts'], 30_000, { STACK_HAPROXY: '/nonexistent/haproxy' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), 'stack:prod: STACK_HAPROXY=/nonexistent/haproxy: not an executable file');
    assert.doesNotMatch(result.stdout, /starting/);
  });
});
