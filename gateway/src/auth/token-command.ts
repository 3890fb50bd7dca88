import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { importJWK, importPKCS8, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

// The command knows no key, issuer or audience of its own: product code must not depend on the
// demo (subgraphs/demo-keys). The demo passes its key, iss and aud in package.json's "token" script.
const USAGE = `usage: tollgate token --key FILE [--iss ISS] [--aud AUD] [--sub ID] [--scope SCOPE]... [--client ID]
                      [--expires-in 1h] [--claim NAME=VALUE]... [--kid KID] [--alg ALG]

Prints a JWT signed with --key on stdout. For the demo, \`npm run token -- --sub u1\` passes the
demo key (subgraphs/demo-keys, DEMO ONLY) and the iss and aud the demo gateway accepts.

  --key FILE          signing key, required: a private JWK (JSON) or a PKCS#8 PEM
  --iss ISS           issuer (iss); none when omitted
  --aud AUD           audience (aud); none when omitted
  --sub ID            subject (sub); the demo's \`me\` reads it (demo users u1..u5, u1 is alice)
  --scope SCOPE       scopes, repeatable or space-separated: --scope "orders:read profile"
  --client ID         client id (client_id claim)
  --expires-in DUR    lifetime: 3600, 90s, 15m, 1h, 1d (default 1h)
  --claim NAME=VALUE  another claim, repeatable; VALUE is read as JSON when it is JSON
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
  // No default key: signing with a key anyone can read would be a silent footgun outside the demo.
  const keyPath = values.key;
  if (keyPath === undefined) {
    console.error(`tollgate token: --key FILE is required (the private key to sign with)\n${USAGE}`);
    return 2;
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
  try {
    signingKey = await loadSigningKey(keyPath, values.alg, values.kid);
  } catch (error) {
    console.error(`tollgate token: --key ${keyPath}: ${(error as Error).message}`);
    return 1;
  }

  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: signingKey.alg, typ: 'JWT', ...(signingKey.kid ? { kid: signingKey.kid } : {}) });
  if (values.iss !== undefined) jwt.setIssuer(values.iss);
  if (values.aud !== undefined) jwt.setAudience(values.aud);
  jwt.setIssuedAt(now).setExpirationTime(now + lifetime);
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
