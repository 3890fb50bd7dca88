import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { importJWK, importPKCS8, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { DEMO_AUDIENCE, DEMO_ISSUER, DEMO_PRIVATE_KEY_PATH } from '../../../subgraphs/demo-keys/index.ts';

const USAGE = `usage: tollgate token [--sub ID] [--scope SCOPE]... [--client ID] [--expires-in 1h]
                      [--iss ISS] [--aud AUD] [--claim NAME=VALUE]... [--key FILE] [--kid KID] [--alg ALG]

Prints a signed JWT on stdout. Without --key it is signed with the demo key
(subgraphs/demo-keys, DEMO ONLY), with the iss and aud the demo gateway accepts.

  --sub ID            subject (sub); the demo's \`me\` reads it (demo users u1..u5, u1 is alice)
  --scope SCOPE       scopes, repeatable or space-separated: --scope "orders:read profile"
  --client ID         client id (client_id claim)
  --expires-in DUR    lifetime: 3600, 90s, 15m, 1h, 1d (default 1h)
  --iss ISS           issuer (default ${DEMO_ISSUER})
  --aud AUD           audience (default ${DEMO_AUDIENCE})
  --claim NAME=VALUE  another claim, repeatable; VALUE is read as JSON when it is JSON
  --key FILE          signing key: a private JWK (JSON) or a PKCS#8 PEM (default the demo key)
  --kid KID           kid header (default the JWK's kid)
  --alg ALG           algorithm (default the JWK's alg, else RS256)`;

/** `tollgate token`: mints a token for local testing. Returns the exit code. */
export async function runTokenCommand(argv: string[]): Promise<number> {
  let values: {
    sub?: string; scope?: string[]; client?: string; 'expires-in'?: string; iss?: string; aud?: string;
    claim?: string[]; key?: string; kid?: string; alg?: string; help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        sub: { type: 'string' },
        scope: { type: 'string', multiple: true },
        client: { type: 'string' },
        'expires-in': { type: 'string' },
        iss: { type: 'string' },
        aud: { type: 'string' },
        claim: { type: 'string', multiple: true },
        key: { type: 'string' },
        kid: { type: 'string' },
        alg: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`tollgate token: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const lifetime = parseDuration(values['expires-in'] ?? '1h');
  if (lifetime === undefined) {
    console.error(`tollgate token: --expires-in must be seconds or a duration like 90s, 15m, 1h, 1d; got "${values['expires-in']}"`);
    return 2;
  }
  const claims: JWTPayload = {};
  for (const pair of values.claim ?? []) {
    const separator = pair.indexOf('=');
    if (separator < 1) {
      console.error(`tollgate token: --claim must be NAME=VALUE; got "${pair}"`);
      return 2;
    }
    claims[pair.slice(0, separator)] = jsonOrString(pair.slice(separator + 1));
  }
  const scopes = (values.scope ?? []).flatMap((scope) => scope.split(' ')).filter((scope) => scope !== '');
  if (scopes.length > 0) claims.scope = scopes.join(' ');
  if (values.client !== undefined) claims.client_id = values.client;

  let signingKey: { key: CryptoKey | Uint8Array; alg: string; kid: string | undefined };
  const keyPath = values.key ?? DEMO_PRIVATE_KEY_PATH;
  try {
    signingKey = await loadSigningKey(keyPath, values.alg, values.kid);
  } catch (error) {
    console.error(`tollgate token: --key ${keyPath}: ${(error as Error).message}`);
    return 1;
  }

  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: signingKey.alg, typ: 'JWT', ...(signingKey.kid ? { kid: signingKey.kid } : {}) })
    .setIssuer(values.iss ?? DEMO_ISSUER)
    .setAudience(values.aud ?? DEMO_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + lifetime);
  if (values.sub !== undefined) jwt.setSubject(values.sub);
  console.log(await jwt.sign(signingKey.key));
  return 0;
}

async function loadSigningKey(
  path: string,
  alg: string | undefined,
  kid: string | undefined,
): Promise<{ key: CryptoKey | Uint8Array; alg: string; kid: string | undefined }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (text.includes('-----BEGIN PRIVATE KEY-----')) {
    const algorithm = alg ?? 'RS256';
    return { key: await importPKCS8(text, algorithm), alg: algorithm, kid };
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new Error('neither a PKCS#8 PEM nor a JWK');
  }
  if (jwk.kty !== 'oct' && jwk.d === undefined) throw new Error('is a public key; signing needs the private key');
  const algorithm = alg ?? jwk.alg ?? 'RS256';
  return { key: await importJWK(jwk, algorithm), alg: algorithm, kid: kid ?? jwk.kid };
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds from `3600`, `90s`, `15m`, `1h`, `1d`; undefined when unreadable or not positive. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNITS[match[2] || 's'] as number);
  return seconds > 0 ? seconds : undefined;
}

function jsonOrString(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
