// Test helpers for edge authentication: a real JWKS endpoint over HTTP, key pairs, token minting.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { pino } from 'pino';
import { stopServer } from '../../support/servers.ts';

export const silentLogger = pino({ level: 'silent' });

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeKey(alg: 'RS256' | 'ES256' | 'PS256' | 'EdDSA', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

export interface TokenOptions {
  /** Seconds from now; default 300. `null` leaves `exp` out. */
  expiresIn?: number | null;
  notBefore?: number;
  header?: Record<string, unknown>;
  /** Override the header's kid (undefined keeps the key's; null removes it). */
  kid?: string | null;
}

/** A signed JWT with `iat`/`exp` from the real clock, plus the given claims. */
export async function signToken(key: TestKey, claims: JWTPayload, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header: Record<string, unknown> = { alg: key.alg, ...options.header };
  if (options.kid !== null) header.kid = options.kid ?? key.kid;
  const jwt = new SignJWT({ ...claims }).setProtectedHeader(header as { alg: string }).setIssuedAt(now);
  const expiresIn = options.expiresIn === undefined ? 300 : options.expiresIn;
  if (expiresIn !== null) jwt.setExpirationTime(now + expiresIn);
  if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
  return jwt.sign(key.privateKey);
}

/** `alg: none`: an unsecured JWT (RFC 7519 §6), which must never be accepted. */
export function unsecuredToken(claims: JWTPayload): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}

export type JwksBehaviour = 'up' | 'error' | 'hang';

export interface JwksServer {
  url: string;
  /** Requests received so far. */
  fetches(): number;
  publish(keys: JWK[]): void;
  behave(behaviour: JwksBehaviour): void;
  stop(): Promise<void>;
}

/** A real JWKS endpoint on 127.0.0.1:0 that counts its requests and can fail or hang on demand. */
export async function startJwksServer(keys: JWK[] = []): Promise<JwksServer> {
  let published = keys;
  let behaviour: JwksBehaviour = 'up';
  let count = 0;
  const server: Server = createServer((_req, res) => {
    count += 1;
    if (behaviour === 'hang') return;
    if (behaviour === 'error') {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('down for maintenance');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => count,
    publish(next) {
      published = next;
    },
    behave(next) {
      behaviour = next;
    },
    stop: () => stopServer(server),
  };
}

/** A URL nothing listens on (a port bound and released). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}

/** A clock tests move by hand. */
export function manualClock(start = Date.now()): { now: () => number; advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance(ms) {
      current += ms;
    },
  };
}
