import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey } from 'jose';
import { authenticationConfigSchema, type JwtConfig } from '../../../gateway/src/auth/config.ts';
import { RemoteJwks } from '../../../gateway/src/auth/jwks-cache.ts';
import { InvalidTokenError, JwtVerifier, KeysUnavailableError, type InvalidTokenReason } from '../../../gateway/src/auth/jwt.ts';
import type { KeySource } from '../../../gateway/src/auth/keys.ts';
import { KeyConfigError, LocalKeySource } from '../../../gateway/src/auth/local-keys.ts';
import { deadUrl, makeKey, manualClock, signToken, silentLogger, startJwksServer, unsecuredToken, type JwksServer, type TestKey } from './helpers.ts';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'tollgate-test';

function jwtConfig(overrides: Record<string, unknown> = {}): JwtConfig {
  const parsed = authenticationConfigSchema.parse({
    jwt: { jwks: [{ url: 'http://127.0.0.1:1/unused', algorithms: ['RS256'] }], forward_claims: ['email'], ...overrides },
  });
  return parsed.jwt as JwtConfig;
}

function remote(url: string, now: () => number, algorithms = ['RS256', 'ES256'], poll = 60_000): RemoteJwks {
  return new RemoteJwks({
    label: 'jwks[0]', url, algorithms, issuers: [ISSUER], audiences: [AUDIENCE],
    pollIntervalMs: poll, cooldownMs: 1_000, timeoutMs: 2_000, logger: silentLogger, now,
  });
}

async function rejectsWith(promise: Promise<unknown>, reason: InvalidTokenReason): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof InvalidTokenError, `expected InvalidTokenError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    return true;
  });
}

describe('JwtVerifier over a real JWKS endpoint', () => {
  let server: JwksServer;
  let attacker: JwksServer;
  let rsa: TestKey;
  let ec: TestKey;
  let stranger: TestKey;
  let clock: ReturnType<typeof manualClock>;
  let verifier: JwtVerifier;
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'u1', scope: 'orders:read profile', client_id: 'web', email: 'a@example.com' };

  before(async () => {
    rsa = await makeKey('RS256', 'rsa-1');
    ec = await makeKey('ES256', 'ec-1');
    stranger = await makeKey('RS256', 'rsa-1'); // same kid, different key
    server = await startJwksServer([rsa.publicJwk, ec.publicJwk]);
    attacker = await startJwksServer([stranger.publicJwk]);
    clock = manualClock();
    verifier = new JwtVerifier([remote(server.url, clock.now)], jwtConfig(), clock.now);
  });
  after(async () => {
    await server.stop();
    await attacker.stop();
  });

  test('valid RS256 token → identity with subject, scopes, client id and chosen claims', async () => {
    const { identity, expiresAt } = await verifier.verify(await signToken(rsa, claims));
    assert.equal(identity.method, 'jwt');
    assert.equal(identity.subject, 'u1');
    assert.equal(identity.clientId, 'web');
    assert.deepEqual([...identity.scopes], ['orders:read', 'profile']);
    assert.deepEqual(identity.claims, { email: 'a@example.com' });
    assert.ok(expiresAt > Date.now());
  });

  test('valid ES256 token; scopes as an array (scp style) and azp as client id', async () => {
    const { identity } = await verifier.verify(
      await signToken(ec, { iss: ISSUER, aud: [AUDIENCE, 'other'], sub: 'u2', scope: ['a', 'b'], azp: 'mobile' }),
    );
    assert.equal(identity.subject, 'u2');
    assert.deepEqual([...identity.scopes], ['a', 'b']);
    assert.equal(identity.clientId, 'mobile');
  });

  test('expired (beyond the clock tolerance)', async () => {
    await rejectsWith(verifier.verify(await signToken(rsa, claims, { expiresIn: -120 })), 'expired');
  });

  test('expired but within clock_tolerance_s (30 s) is accepted', async () => {
    await verifier.verify(await signToken(rsa, claims, { expiresIn: -10 }));
  });

  test('not yet valid (nbf in the future)', async () => {
    await rejectsWith(verifier.verify(await signToken(rsa, claims, { notBefore: 600, expiresIn: 900 })), 'not_yet_valid');
  });

  test('no exp at all is refused (jose checks exp only when present)', async () => {
    await rejectsWith(verifier.verify(await signToken(rsa, claims, { expiresIn: null })), 'missing_expiry');
  });

  test('wrong issuer', async () => {
    await rejectsWith(verifier.verify(await signToken(rsa, { ...claims, iss: 'https://evil.test' })), 'wrong_issuer');
    await rejectsWith(verifier.verify(await signToken(rsa, { ...claims, iss: undefined })), 'wrong_issuer');
  });

  test('wrong audience', async () => {
    await rejectsWith(verifier.verify(await signToken(rsa, { ...claims, aud: 'someone-else' })), 'wrong_audience');
  });

  test('alg none is refused', async () => {
    await rejectsWith(verifier.verify(unsecuredToken({ ...claims, exp: Math.floor(Date.now() / 1000) + 60 })), 'algorithm_not_allowed');
  });

  test('HS256 signed with the RS public key as the secret is refused (algorithm confusion)', async () => {
    const publicPem = await exportSPKI((await importJWK(rsa.publicJwk, 'RS256')) as CryptoKey);
    const forged = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(publicPem));
    await rejectsWith(verifier.verify(forged), 'algorithm_not_allowed');
  });

  test('a signature by another key under a known kid is a bad signature', async () => {
    await rejectsWith(verifier.verify(await signToken(stranger, claims)), 'bad_signature');
  });

  test('an unknown kid is an unknown key', async () => {
    await rejectsWith(verifier.verify(await signToken(rsa, claims, { kid: 'nope' })), 'unknown_key');
  });

  test('jku, x5u and jwk header parameters are never followed', async () => {
    const before = attacker.fetches();
    const evil = { ...stranger, kid: 'evil' };
    const token = await signToken(evil, claims, {
      header: { jku: attacker.url, x5u: attacker.url, jwk: stranger.publicJwk },
    });
    await rejectsWith(verifier.verify(token), 'unknown_key');
    assert.equal(attacker.fetches(), before, 'the attacker-named URL was never fetched');
  });

  test('garbage is malformed, and the message never echoes the token', async () => {
    await assert.rejects(verifier.verify('abc.def.ghi'), (error: InvalidTokenError) => {
      assert.equal(error.reason, 'malformed');
      assert.doesNotMatch(error.message, /abc|def|ghi/);
      return true;
    });
    await rejectsWith(verifier.verify('not-a-jwt'), 'malformed');
  });

  test('typ is checked when configured', async () => {
    const typed = new JwtVerifier([remote(server.url, clock.now)], jwtConfig({ typ: 'at+jwt' }), clock.now);
    await rejectsWith(typed.verify(await signToken(rsa, claims)), 'wrong_type');
    await typed.verify(await signToken(rsa, claims, { header: { typ: 'at+jwt' } }));
  });

  test('a cold JWKS that cannot be fetched → KeysUnavailableError (503), not a crash', async () => {
    const cold = new JwtVerifier([remote(await deadUrl(), clock.now)], jwtConfig(), clock.now);
    await assert.rejects(cold.verify(await signToken(rsa, claims)), KeysUnavailableError);
  });
});

describe('verification cache', () => {
  let server: JwksServer;
  let rsa: TestKey;
  let rsaNext: TestKey;
  before(async () => {
    rsa = await makeKey('RS256', 'old');
    rsaNext = await makeKey('RS256', 'new');
    server = await startJwksServer([rsa.publicJwk]);
  });
  after(async () => {
    await server.stop();
  });
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'u1' };

  test('a verified token is served from the cache (same identity object)', async () => {
    const clock = manualClock();
    const verifier = new JwtVerifier([remote(server.url, clock.now)], jwtConfig(), clock.now);
    const token = await signToken(rsa, claims);
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    assert.equal(second.identity, first.identity);
  });

  test('never past exp: an entry ends at the token expiry', async () => {
    const clock = manualClock();
    const verifier = new JwtVerifier([remote(server.url, clock.now, ['RS256'], 3_600_000)], jwtConfig({ clock_tolerance_s: 0 }), clock.now);
    const token = await signToken(rsa, claims, { expiresIn: 40 });
    await verifier.verify(token);
    clock.advance(41_000);
    await rejectsWith(verifier.verify(token), 'expired');
  });

  test('a cached token whose key was withdrawn from the JWKS is refused after the cache expiry', async () => {
    const clock = manualClock();
    const verifier = new JwtVerifier([remote(server.url, clock.now)], jwtConfig(), clock.now);
    const token = await signToken(rsa, claims);
    await verifier.verify(token);
    server.publish([rsaNext.publicJwk]);
    await verifier.verify(token); // still cached: the JWKS is not stale yet
    clock.advance(60_000);
    await rejectsWith(verifier.verify(token), 'unknown_key');
    await verifier.verify(await signToken(rsaNext, claims));
  });
});

describe('local keys: PEM/JWK files and HS secrets from the environment', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-keys-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'svc' };
  const keyConfig = (key: Record<string, unknown>) =>
    (authenticationConfigSchema.parse({ jwt: { keys: [key] } }).jwt as JwtConfig).keys[0]!;

  test('an RS256 public key in a PEM file verifies; its private key file is refused', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    await writeFile(join(dir, 'public.pem'), await exportSPKI(publicKey));
    await writeFile(join(dir, 'private.pem'), await exportPKCS8(privateKey));
    const source = await LocalKeySource.load('keys[0]', keyConfig({ file: 'public.pem', algorithms: ['RS256'], issuers: [ISSUER] }), dir, {});
    const verifier = new JwtVerifier([source], jwtConfig());
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey);
    assert.equal((await verifier.verify(token)).identity.subject, 'svc');
    await assert.rejects(
      LocalKeySource.load('keys[0]', keyConfig({ file: 'private.pem', algorithms: ['RS256'] }), dir, {}),
      /keys\[0\]\.file: .*private key/,
    );
  });

  test('an HS256 secret from an env var verifies HS256; an RS token is not tried against it', async () => {
    const secret = 'a-demo-secret-that-is-32-bytes!!';
    const source = await LocalKeySource.load('keys[0]', keyConfig({ secret_env: 'TEST_SECRET', algorithms: ['HS256'] }), dir, { TEST_SECRET: secret });
    const verifier = new JwtVerifier([source as KeySource], jwtConfig());
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(secret));
    assert.equal((await verifier.verify(token)).identity.subject, 'svc');
    const other = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(`${secret}x`));
    await rejectsWith(verifier.verify(other), 'bad_signature');
    const rsa = await makeKey('RS256', 'r');
    await rejectsWith(verifier.verify(await signToken(rsa, claims)), 'algorithm_not_allowed');
  });

  test('a secret shorter than the hash, or a missing env var, fails start-up naming the key', async () => {
    await assert.rejects(
      LocalKeySource.load('authentication.jwt.keys[0]', keyConfig({ secret_env: 'S', algorithms: ['HS256'] }), dir, { S: 'short' }),
      (error: Error) => error instanceof KeyConfigError && /authentication\.jwt\.keys\[0\]\.secret_env: .*5 bytes; HS256 needs at least 32/.test(error.message),
    );
    await assert.rejects(
      LocalKeySource.load('authentication.jwt.keys[0]', keyConfig({ secret_env: 'S', algorithms: ['HS256'] }), dir, {}),
      /secret_env: environment variable S is not set/,
    );
  });
});
