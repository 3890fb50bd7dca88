import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoBackendsAndSubgraphs, type DemoStack } from '../support/demo-stack.ts';
import { composeForTest, postGraphQL } from '../support/gateway.ts';
import { runProcess, spawnProcess } from '../support/processes.ts';

const TOLLGATE = ['bin/tollgate.mjs'];
const HOME_SCREEN = await readFile(new URL('../../subgraphs/home-screen.graphql', import.meta.url), 'utf8');

describe('the tollgate CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('tollgate check: the demo against its own composition is clean (exit 0); against a supergraph with a field more, that field is breaking (exit 3)', async () => {
    const current = join(dir, 'check-current.graphql');
    assert.equal((await runProcess(process.execPath, [...TOLLGATE, 'compose', '--config', 'supergraph.yaml', '--output', current])).code, 0);
    const clean = await runProcess(process.execPath, [...TOLLGATE, 'check', '--config', 'supergraph.yaml', '--against', current, '--operations', 'gateway/manifests']);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /check: no changes against .*; 1 operations checked/);
    // The current supergraph had a field the proposed set no longer has, one the home screen selects.
    await writeFile(current, (await readFile(current, 'utf8')).replace('  name: String! @join__field(graph: CATALOG)', '  name: String! @join__field(graph: CATALOG)\n  legacyName: String @join__field(graph: CATALOG)'));
    const breaking = await runProcess(process.execPath, [...TOLLGATE, 'check', '--config', 'supergraph.yaml', '--against', current]);
    assert.equal(breaking.code, 3, breaking.stdout + breaking.stderr);
    assert.match(breaking.stdout, /BREAKING {2}Product\.legacyName {2}\(subgraph catalog\)/);
  });

  test('tollgate compose writes the supergraph of supergraph.yaml and exits 0', async () => {
    const output = join(dir, 'supergraph.graphql');
    const run = await runProcess(process.execPath, [...TOLLGATE, 'compose', '--config', 'supergraph.yaml', '--output', output]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /composed 4 subgraphs \(accounts, catalog, orders, reviews\)/);
    const sdl = await readFile(output, 'utf8');
    assert.match(sdl, /ACCOUNTS @join__graph\(name: "accounts", url: "http:\/\/localhost:4001\/graphql"\)/);
  });

  test('tollgate serve --config with an unknown key exits 1 naming the key', async () => {
    const config = join(dir, 'bad.yaml');
    await writeFile(config, 'supergraph:\n  file: x.graphql\nlimits:\n  max_bytes: 10\n');
    const run = await runProcess(process.execPath, [...TOLLGATE, 'serve', '--config', config]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /limits\.max_bytes: unknown key/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  });

  test('tollgate serve with a missing supergraph file exits 1 naming the file', async () => {
    const run = await runProcess(process.execPath, [...TOLLGATE, 'serve', '--supergraph', join(dir, 'missing.graphql'), '--port', '0']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /supergraph\.file: cannot read .*missing\.graphql: ENOENT/);
  });

  test('start-up problems end in one line naming the key, exit 1, no stack trace', async () => {
    const supergraph = join(dir, 'supergraph.graphql');
    await writeFile(supergraph, composeForTest([{ name: 'a', routingUrl: 'http://127.0.0.1:9/graphql', sdl: 'type Query { a: String }' }]));
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const takenPort = (taken.address() as { port: number }).port;
    const cases: Array<[string, string[], RegExp]> = [
      ['a port in use', ['--config', await yaml('in-use', `supergraph:\n  file: ${supergraph}\nserver:\n  listen: 127.0.0.1:${takenPort}\n`)], /server\.listen: cannot listen on 127\.0\.0\.1:\d+: the address is already in use \(EADDRINUSE\)/],
      ['a port out of range', ['--config', await yaml('range', `supergraph:\n  file: ${supergraph}\nserver:\n  listen: 127.0.0.1:99999\n`)], /server\.listen: the port must be 0 to 65535/],
      ['a file that is not GraphQL', ['--supergraph', 'README.md', '--port', '0'], /supergraph: not a valid supergraph SDL: Syntax Error/],
      ['a subgraph schema given as a supergraph', ['--supergraph', 'subgraphs/accounts/schema.graphql', '--port', '0'], /supergraph: cannot be loaded: .*Unknown directive "@link"/],
    ];
    try {
      for (const [name, args, expected] of cases) {
        const run = await runProcess(process.execPath, [...TOLLGATE, 'serve', ...args]);
        assert.equal(run.code, 1, `${name}: ${run.stderr}`);
        assert.match(run.stderr, expected, name);
        assert.doesNotMatch(run.stderr, /\n\s+at /, `${name}: no stack trace`);
      }
    } finally {
      taken.close();
    }

    async function yaml(name: string, text: string): Promise<string> {
      const path = join(dir, `${name}.yaml`);
      await writeFile(path, text);
      return path;
    }
  });

  test('tollgate with an unknown command or flag exits 2 with usage', async () => {
    assert.equal((await runProcess(process.execPath, [...TOLLGATE, 'launch'])).code, 2);
    const run = await runProcess(process.execPath, [...TOLLGATE, 'serve', '--prot', '1']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /usage: tollgate serve/);
  });

  describe('tollgate serve --supergraph FILE --port N over the demo subgraphs', () => {
    let stack: DemoStack;
    before(async () => {
      stack = await startDemoBackendsAndSubgraphs();
    });
    after(async () => {
      await stack.stop();
    });

    test('serves GraphQL on /graphql and health on /health, stops on SIGTERM with exit 0', async () => {
      const file = join(dir, 'runtime-supergraph.graphql');
      await writeFile(file, composeForTest(stack.services));
      const gateway = spawnProcess(process.execPath, [...TOLLGATE, 'serve', '--supergraph', file, '--port', '0'], { LOG_LEVEL: 'warn' });
      try {
        const [, url] = await gateway.waitFor(/serving (http:\/\/\S+\/graphql)/);
        const health = await fetch(url!.replace('/graphql', '/health'));
        assert.equal(health.status, 200);
        const result = await postGraphQL(url!, { query: HOME_SCREEN, variables: { userId: 'u1' } });
        assert.equal(result.status, 200);
        assert.equal(result.body.errors, undefined);
        assert.equal(result.body.data.user.username, 'alice');
      } finally {
        assert.equal(await gateway.stop('SIGTERM'), 0);
      }
    });
  });
});

async function portsFree(ports: number[]): Promise<boolean> {
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) return false;
  }
  return true;
}

describe('npm start (subgraphs/dev.ts)', () => {
  test('starts the whole demo stack, answers the home-screen query, and stops everything on SIGINT', async (t) => {
    const demoPorts = [4001, 4002, 4003, 4004, 4101, 4102, 4103, 4104, 4105];
    if (!(await portsFree(demoPorts))) {
      t.skip('the demo ports 4001-4004/4101-4105 are taken (is `npm start` running?)');
      return;
    }
    const demo = spawnProcess(process.execPath, ['--import', 'tsx', 'subgraphs/dev.ts'], { PORT: '0', LOG_LEVEL: 'warn' });
    try {
      const [, url] = await demo.waitFor(/GraphQL\s+(http:\/\/\S+\/graphql)/);
      assert.match(demo.stdout(), /order-service\s+gRPC\s+127\.0\.0\.1:4103/);
      const result = await postGraphQL(url!, { query: HOME_SCREEN, variables: { userId: 'u1' } });
      assert.equal(result.body.errors, undefined);
      assert.equal(result.body.data.featuredProducts.length, 4);
    } finally {
      assert.equal(await demo.stop('SIGINT'), 0);
    }
    assert.ok(await portsFree(demoPorts), 'every demo port is free again');
  });
});
