// The `tollgate+auth` row: Tollgate with edge authentication required, every request carrying an
// RS256 bearer token. The key is a fresh pair per run (public half in a PEM file the config names);
// the token is verified once and then served from the verification cache, as for a client that
// reuses its access token — the steady state of real traffic.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { writeRowConfig } from './lib/row-config.ts';
import type { PrepareContext, Prepared } from './rows.ts';

/** The config lines and the request headers of edge authentication with a fresh key pair. */
export async function authSetup(ctx: PrepareContext): Promise<{ lines: string[]; headers: Record<string, string> }> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const keyFile = join(ctx.runDir, 'auth-public.pem');
  await writeFile(keyFile, await exportSPKI(publicKey));
  const lines = [
    'authentication:',
    '  required: true',
    '  jwt:',
    '    keys:',
    `      - { file: ${JSON.stringify(keyFile)}, algorithms: [RS256], issuers: [urn:tollgate:bench], audiences: [tollgate-bench] }`,
  ];
  const token = await new SignJWT({ scope: 'orders:read profile', client_id: 'bench' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer('urn:tollgate:bench')
    .setAudience('tollgate-bench')
    .setSubject('u1')
    .setIssuedAt()
    .setExpirationTime('6h')
    .sign(privateKey);
  return { lines, headers: { authorization: `Bearer ${token}` } };
}

export async function prepareAuthRow(ctx: PrepareContext): Promise<Prepared> {
  const { lines, headers } = await authSetup(ctx);
  return { args: ['--config', await writeRowConfig(ctx, 'auth', lines)], headers };
}
