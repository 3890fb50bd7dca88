// The demo's edge authentication: `tollgate token` mints a token that the demo gateway
// configuration (gateway/gateway.yaml) accepts against the demo JWKS, and `me` resolves from it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { loadConfigFile } from '../../gateway/src/config/load.ts';
import { startGateway, type RunningGateway } from '../../gateway/src/gateway.ts';
import { startDemoJwks, type RunningDemoJwks } from '../../subgraphs/demo-keys/index.ts';
import { startDemoBackendsAndSubgraphs, type DemoStack } from '../support/demo-stack.ts';
import { composeForTest, postGraphQL } from '../support/gateway.ts';
import { runProcess } from '../support/processes.ts';

const TOLLGATE = ['bin/tollgate.mjs'];
const DEMO_API_KEY = 'tg_demo_partner_0001';

// `tollgate token` has no defaults of its own; the demo's key, iss and aud are the arguments of
// package.json's "token" script. Reading them from there tests what `npm run token -- …` runs.
const packageJson = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: { token: string } };
const [tsx, cli, command, ...DEMO_TOKEN_ARGS] = packageJson.scripts.token.split(' ');
assert.deepEqual([tsx, cli, command], ['tsx', 'gateway/src/cli.ts', 'token']);

async function mintToken(...args: string[]): Promise<string> {
  const run = await runProcess(process.execPath, [...TOLLGATE, 'token', ...DEMO_TOKEN_ARGS, ...args]);
  assert.equal(run.code, 0, run.stderr);
  const token = run.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'stdout is exactly one compact JWT');
  return token;
}

describe('tollgate token', () => {
  test('signs with the demo key: sub, scopes, client id, 1 h expiry, the demo iss and aud', async () => {
    const token = await mintToken('--sub', 'u1', '--scope', 'orders:read', '--scope', 'profile email', '--client', 'cli');
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'RS256', typ: 'JWT', kid: 'tollgate-demo-1' });
    const claims = decodeJwt(token);
    assert.equal(claims.sub, 'u1');
    assert.equal(claims.scope, 'orders:read profile email');
    assert.equal(claims.client_id, 'cli');
    assert.equal(claims.iss, 'urn:tollgate:demo');
    assert.equal(claims.aud, 'tollgate-demo');
    assert.equal((claims.exp as number) - (claims.iat as number), 3600);
  });

  test('--expires-in and --claim; usage errors exit 2, an unreadable key exits 1', async () => {
    const claims = decodeJwt(await mintToken('--expires-in', '15m', '--claim', 'tenant=acme', '--claim', 'level=3'));
    assert.equal((claims.exp as number) - (claims.iat as number), 900);
    assert.equal(claims.tenant, 'acme');
    assert.equal(claims.level, 3);
    assert.equal((await runProcess(process.execPath, [...TOLLGATE, 'token', ...DEMO_TOKEN_ARGS, '--expires-in', 'soon'])).code, 2);
    assert.equal((await runProcess(process.execPath, [...TOLLGATE, 'token', ...DEMO_TOKEN_ARGS, '--bogus'])).code, 2);
    const missing = await runProcess(process.execPath, [...TOLLGATE, 'token', '--key', '/nonexistent/key.json']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--key \/nonexistent\/key\.json: cannot read it \(ENOENT\)/);
  });

  test('without --key it exits 2 naming --key, with the usage; it has no demo defaults', async () => {
    const run = await runProcess(process.execPath, [...TOLLGATE, 'token', '--sub', 'u1']);
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '', 'no token');
    assert.match(run.stderr, /tollgate token: --key FILE is required/);
    assert.match(run.stderr, /usage: tollgate token --key FILE/);
    // A key alone signs a token with no iss or aud: the demo's values come only from its script.
    const keyOnly = await runProcess(process.execPath, [...TOLLGATE, 'token', '--key', 'subgraphs/demo-keys/demo-private.jwk.json']);
    assert.equal(keyOnly.code, 0, keyOnly.stderr);
    const claims = decodeJwt(keyOnly.stdout.trim());
    assert.equal(claims.iss, undefined);
    assert.equal(claims.aud, undefined);
  });
});

describe('the demo gateway configuration with the demo JWKS', () => {
  let stack: DemoStack;
  let jwks: RunningDemoJwks;
  let gateway: RunningGateway;
  let dir: string;

  before(async () => {
    stack = await startDemoBackendsAndSubgraphs();
    jwks = await startDemoJwks();
    dir = await mkdtemp(join(tmpdir(), 'tollgate-auth-e2e-'));
    const supergraphFile = join(dir, 'supergraph.graphql');
    await writeFile(supergraphFile, composeForTest(stack.services));
    // gateway/gateway.yaml as shipped, with the JWKS on a free port and the demo subgraphs' ports.
    const { config, baseDir } = await loadConfigFile('gateway/gateway.yaml', { JWKS_URL: jwks.url, LOG_LEVEL: 'silent' });
    config.server.listen = '127.0.0.1:0';
    config.supergraph = { ...config.supergraph, file: supergraphFile, compose: undefined };
    gateway = await startGateway(config, { baseDir }); // relative paths (manifests) as `tollgate serve` resolves them
  });

  after(async () => {
    await gateway.stop();
    await jwks.stop();
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a token from `tollgate token --sub u1` makes `me` resolve to alice', async () => {
    const token = await mintToken('--sub', 'u1', '--scope', 'orders:read');
    const result = await postGraphQL(gateway.url, { query: '{ me { id username name } }' }, { authorization: `Bearer ${token}` });
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.deepEqual(result.body, { data: { me: { id: 'u1', username: 'alice', name: 'Alice Liddell' } } });
  });

  test('anonymous is allowed in the demo (me is null); a forged x-tollgate-sub does not sign anyone in', async () => {
    const result = await postGraphQL(gateway.url, { query: '{ me { id } }' }, { 'x-tollgate-sub': 'u1' });
    assert.deepEqual(result.body, { data: { me: null } });
  });

  test('a token for another audience gets 401 naming the check that failed', async () => {
    const foreign = await mintToken('--sub', 'u1', '--aud', 'someone-else');
    const result = await postGraphQL(gateway.url, { query: '{ me { id } }' }, { authorization: `Bearer ${foreign}` });
    assert.equal(result.status, 401);
    assert.equal(result.body.errors[0].message, 'Invalid token: wrong audience (aud)');
    assert.match(result.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  test('the demo partner API key is accepted', async () => {
    const result = await postGraphQL(gateway.url, { query: '{ me { id } featuredProducts(first: 1) { upc } }' }, { 'x-api-key': DEMO_API_KEY });
    assert.deepEqual(result.body, { data: { me: null, featuredProducts: [{ upc: 'p1' }] } });
  });
});
