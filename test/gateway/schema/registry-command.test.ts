// The registry CLI's own refusals (issue 17): usage errors, and a registry that cannot be reached,
// hangs, or answers something that is not the registry's JSON: each exit 2 with one line, bounded
// by --timeout-ms. Real HTTP servers on 127.0.0.1 port 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runPublishCommand, runRegistryCommand } from '../../../gateway/src/schema/registry-command.ts';

async function run(command: 'publish' | 'registry', args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), env };
  const code = command === 'publish' ? await runPublishCommand(args, io) : await runRegistryCommand(args, io);
  return { code, stdout, stderr };
}

describe('tollgate publish / registry: usage and transport refusals', () => {
  let hanging: Server;
  let garbage: Server;
  let closedUrl: string;
  const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  before(async () => {
    hanging = createServer(() => {}); // never answers
    garbage = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not the registry</html>'));
    const closed = createServer();
    for (const server of [hanging, garbage, closed]) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closedUrl = urlOf(closed);
    await new Promise((resolve) => closed.close(resolve));
  });
  after(async () => {
    hanging.closeAllConnections();
    for (const server of [hanging, garbage]) await new Promise((resolve) => server.close(resolve));
  });

  test('missing or wrong flags exit 2 naming them', async () => {
    const missing = await run('publish', ['--name', 'catalog']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--schema, --routing-url required/);
    const noRegistry = await run('publish', ['--name', 'c', '--schema', 'x', '--routing-url', 'http://c']);
    assert.equal(noRegistry.code, 2);
    assert.match(noRegistry.stderr, /--registry is required \(or TOLLGATE_REGISTRY_URL\)/);
    const unreadable = await run('publish', ['--name', 'c', '--schema', '/nonexistent.graphql', '--routing-url', 'http://c', '--registry', closedUrl]);
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /--schema \/nonexistent\.graphql: cannot read it: ENOENT/);
    const unknownFlag = await run('registry', ['history', '--nope', '--registry', closedUrl]);
    assert.equal(unknownFlag.code, 2);
    const badSub = await run('registry', ['delete', '--registry', closedUrl]);
    assert.equal(badSub.code, 2);
    assert.match(badSub.stderr, /unknown subcommand "delete"/);
    const noTo = await run('registry', ['rollback', '--registry', closedUrl]);
    assert.equal(noTo.code, 2);
    assert.match(noTo.stderr, /--to <version number> is required/);
  });

  test('a registry that refuses connections, hangs past --timeout-ms, or answers no JSON: exit 2, one line', async () => {
    const refused = await run('registry', ['history', '--registry', closedUrl]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /cannot reach the registry \(ECONNREFUSED\)/);
    const hung = await run('registry', ['show', '--registry', urlOf(hanging), '--timeout-ms', '200']);
    assert.equal(hung.code, 2);
    assert.match(hung.stderr, /no answer within 200 ms \(timeout\)/);
    const html = await run('registry', ['history', '--registry', urlOf(garbage)]);
    assert.equal(html.code, 2);
    assert.match(html.stderr, /answered 200 without JSON/);
  });
});
