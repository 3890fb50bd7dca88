// The demo's token issuer, DEMO ONLY: a key pair kept in the repository so that `npm start` can
// serve a JWKS and `npm run token` can sign tokens the demo gateway accepts. Anyone can read the
// private key in this folder: never configure it (or its JWKS) anywhere but the local demo.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { importJWK, SignJWT, type JWK } from 'jose';
import { closeServer, listen, urlHost } from '../shared/net.ts';

/** `iss` and `aud` of demo tokens; gateway/gateway.yaml accepts exactly these. */
export const DEMO_ISSUER = 'urn:tollgate:demo';
export const DEMO_AUDIENCE = 'tollgate-demo';
export const DEMO_JWKS_PATH = '/.well-known/jwks.json';

/** The private JWK `npm run token` signs with (package.json's "token" script names it). */
export const DEMO_PRIVATE_KEY_PATH = fileURLToPath(new URL('./demo-private.jwk.json', import.meta.url));
const DEMO_JWKS_FILE = new URL('./jwks.json', import.meta.url);

export interface RunningDemoJwks {
  /** http://HOST:PORT/.well-known/jwks.json */
  url: string;
  stop(): Promise<void>;
}

/** Serves the demo public keys at /.well-known/jwks.json (cacheable for a minute, as IdPs do). */
export async function startDemoJwks(opts: { host?: string; port?: number } = {}): Promise<RunningDemoJwks> {
  const host = opts.host ?? '127.0.0.1';
  const body = readFileSync(DEMO_JWKS_FILE, 'utf8');
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?', 1)[0] !== DEMO_JWKS_PATH) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `not found; the JWKS is at ${DEMO_JWKS_PATH}` }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=60' });
    res.end(body);
  });
  await listen(server, opts.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  return { url: `http://${urlHost(host)}:${port}${DEMO_JWKS_PATH}`, stop: () => closeServer(server) };
}

/** What the explorer's "Get a demo token" grants: alice (u1), who may read her orders. */
const EXPLORER_DEMO_SUBJECT = 'u1';
const EXPLORER_DEMO_SCOPE = 'orders:read';

/**
 * A demo token (an hour) signed with the demo private key, as `npm run token -- --sub u1 --scope
 * orders:read` makes: `npm start` hands this to the gateway for the explorer's "Get a demo token".
 */
export async function mintDemoToken(): Promise<{ token: string; subject: string; scope: string }> {
  const jwk = JSON.parse(readFileSync(DEMO_PRIVATE_KEY_PATH, 'utf8')) as JWK;
  const alg = jwk.alg ?? 'RS256';
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ scope: EXPLORER_DEMO_SCOPE })
    .setProtectedHeader({ alg, typ: 'JWT', ...(jwk.kid ? { kid: jwk.kid } : {}) })
    .setIssuer(DEMO_ISSUER)
    .setAudience(DEMO_AUDIENCE)
    .setSubject(EXPLORER_DEMO_SUBJECT)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(await importJWK(jwk, alg));
  return { token, subject: EXPLORER_DEMO_SUBJECT, scope: EXPLORER_DEMO_SCOPE };
}
