// `schema.subgraph_url`: SDL from a running subgraph, and clear errors (never a hang) when it
// refuses, stays silent, or answers with something other than an SDL.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { composeFromConfigFile } from '../../../gateway/src/schema/compose.ts';
import { SupergraphConfigError } from '../../../gateway/src/schema/supergraph-config.ts';
import { fed2, fixture, runCompose, tempDir } from './helpers.ts';
import { stopServer } from '../../support/servers.ts';

const SHIPPING_SDL = fed2('type Query { shippingEstimate(orderId: ID!): Int }');

async function listen(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

const stop = stopServer;

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function config(url: string, extra = ''): string {
  return (
    `federation_version: 2\nsubgraphs:\n` +
    `  accounts:\n    routing_url: http://accounts:4001/graphql\n    schema: { file: ${fixture('accounts.graphql')} }\n` +
    `  shipping:\n    schema:\n      subgraph_url: ${url}\n${extra}`
  );
}

async function configError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => assert.fail('expected a SupergraphConfigError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof SupergraphConfigError, `not a SupergraphConfigError: ${String(error)}`);
  return error.message;
}

describe('subgraph_url introspection', () => {
  const requests: { body: unknown; headers: IncomingMessage['headers'] }[] = [];
  let subgraph: Server;
  let silent: Server;
  let failing: Server;
  let dir: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    subgraph = await listen((req, body, res) => {
      requests.push({ body: JSON.parse(body), headers: req.headers });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { _service: { sdl: SHIPPING_SDL } } }));
    });
    silent = await listen(() => {
      /* never answers */
    });
    failing = await listen((req, _body, res) => {
      if (req.headers['x-mode'] === 'graphql-errors') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ errors: [{ message: 'Cannot query field "_service" on type "Query".' }] }));
        return;
      }
      res.statusCode = 502;
      res.end('<html>bad gateway</html>');
    });
    ({ dir, cleanup } = await tempDir({}));
  });

  after(async () => {
    await Promise.all([stop(subgraph), stop(silent), stop(failing), cleanup()]);
  });

  async function writeConfig(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it('composes a running subgraph, routed to where it was introspected', async () => {
    const path = await writeConfig(
      'live.yaml',
      config(urlOf(subgraph), '      introspection_headers:\n        authorization: Bearer ${env.TEST_TOKEN:-t0ken}\n'),
    );
    const outcome = await composeFromConfigFile(path);
    if (!outcome.ok) assert.fail(JSON.stringify(outcome.errors));
    assert.match(outcome.supergraphSdl, new RegExp(`SHIPPING @join__graph\\(name: "shipping", url: "${urlOf(subgraph)}"\\)`));
    assert.match(outcome.supergraphSdl, /shippingEstimate\(orderId: ID!\): Int @join__field\(graph: SHIPPING\)/);

    const last = requests.at(-1);
    assert.match((last?.body as { query: string }).query, /_service\s*\{\s*sdl\s*\}/);
    assert.equal(last?.headers['content-type'], 'application/json');
    assert.equal(last?.headers['authorization'], 'Bearer t0ken');
  });

  it('connection refused: names the subgraph, URL and ECONNREFUSED', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const path = await writeConfig('refused.yaml', config(url));
    const message = await configError(composeFromConfigFile(path));
    assert.equal(message, `subgraph "shipping": introspection of ${url} failed: connection refused (ECONNREFUSED)`);
  });

  it('no answer: gives up after the timeout with a clear message', async () => {
    const path = await writeConfig('silent.yaml', config(urlOf(silent)));
    const message = await configError(composeFromConfigFile(path, { introspectionTimeoutMs: 300 }));
    assert.equal(message, `subgraph "shipping": introspection of ${urlOf(silent)} failed: no response within 300 ms (timeout)`);
  });

  it('non-200: quotes the status and the start of the body', async () => {
    const path = await writeConfig('502.yaml', config(urlOf(failing)));
    const message = await configError(composeFromConfigFile(path));
    assert.match(message, /subgraph "shipping": introspection of .* failed: HTTP 502: <html>bad gateway<\/html>/);
  });

  it('GraphQL errors: quotes them (e.g. not a federation subgraph)', async () => {
    const path = await writeConfig(
      'errors.yaml',
      config(urlOf(failing), '      introspection_headers: { x-mode: graphql-errors }\n'),
    );
    const message = await configError(composeFromConfigFile(path));
    assert.match(message, /failed: GraphQL errors: Cannot query field "_service" on type "Query"\./);
  });

  it('the command reports every unreachable subgraph at once and exits 1', async () => {
    const refusedUrl = `http://127.0.0.1:${await closedPort()}/graphql`;
    const path = await writeConfig(
      'two-down.yaml',
      config(urlOf(silent)) + `  billing:\n    schema:\n      subgraph_url: ${refusedUrl}\n`,
    );
    const run = await runCompose(['--config', path, '--introspection-timeout-ms', '300']);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.deepEqual(run.stderr.trimEnd().split('\n'), [
      `error: subgraph "shipping": introspection of ${urlOf(silent)} failed: no response within 300 ms (timeout)`,
      `error: subgraph "billing": introspection of ${refusedUrl} failed: connection refused (ECONNREFUSED)`,
    ]);
  });
});
