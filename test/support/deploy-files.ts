// Reading the deployment files (Dockerfile, docker-compose.yml, deploy/) in tests: what they
// reference, so each test can check it against the repo. No container engine or cluster needed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfigFile } from '../../gateway/src/config/load.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
export const existsInRepo = (path: string) => existsSync(join(REPO, path));

export const packageVersion = (): string => (JSON.parse(read('package.json')) as { version: string }).version;
/** The image the Dockerfile builds, as compose and the manifests must name it. */
export const tollgateImage = () => `tollgate:${packageVersion()}`;

/** YAML with merge keys (`<<: *anchor`), as docker compose reads it. */
export const readYaml = (path: string): unknown => parse(read(path), { merge: true });
export const readYamlDocuments = (path: string): unknown[] => parseAllDocuments(read(path)).map((d) => d.toJS() as unknown);

/** `${NAME}` / `${NAME:-default}` placeholders of deploy/gateway.yaml: each name and whether it has a default. */
export function configPlaceholders(path = 'deploy/gateway.yaml'): Map<string, { hasDefault: boolean }> {
  const found = new Map<string, { hasDefault: boolean }>();
  for (const [, name, fallback] of read(path).matchAll(/\$\{(?:env\.)?([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)) {
    found.set(name!, { hasDefault: fallback !== undefined || found.get(name!)?.hasDefault === true });
  }
  return found;
}

/** HAProxy's `"${NAME-default}"` words in deploy/haproxy/haproxy.cfg. */
export function haproxyVariables(): Set<string> {
  const config = read('deploy/haproxy/haproxy.cfg').split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');
  return new Set([...config.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:-[^}]*)?\}/g)].map((m) => m[1]!));
}

/** The environment variables subgraphs/dev.ts reads (process.env.X and its envPort('X', ...)). */
export function devPartsVariables(): Set<string> {
  const text = read('subgraphs/dev.ts');
  return new Set([...text.matchAll(/process\.env\.([A-Z_]+)/g), ...text.matchAll(/envPort\('([A-Z_]+)'/g)].map((m) => m[1]!));
}

/** dev.ts's default port per variable (USERS_API_PORT → 4101, ...), DEMO_JWKS_PORT included. */
export function devPartsDefaultPorts(): Map<string, number> {
  return new Map([...read('subgraphs/dev.ts').matchAll(/envPort\('([A-Z_]+)', (\d+)\)/g)].map((m) => [m[1]!, Number(m[2])]));
}

/** deploy/gateway.yaml loaded as the gateway would, with `env` (SUPERGRAPH_CONFIG mapped into the repo). */
export async function loadProductionConfig(env: Record<string, string>) {
  const local = { ...env };
  // The image's /app is this repo: a path under it is checked here.
  if (local.SUPERGRAPH_CONFIG?.startsWith('/app/')) local.SUPERGRAPH_CONFIG = join(REPO, local.SUPERGRAPH_CONFIG.slice('/app/'.length));
  return (await loadConfigFile(join(REPO, 'deploy/gateway.yaml'), local)).config;
}

/** The Dockerfile's stages: name, base image, and instructions (continuation lines joined). */
export interface DockerStage {
  name: string | null;
  from: string;
  instructions: Array<{ op: string; args: string }>;
}

export function dockerStages(): DockerStage[] {
  const lines = read('Dockerfile').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [, from = '', name = null] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) ?? [];
      stages.push({ name, from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** A JSON-array (exec form) instruction's words. */
export const execForm = (args: string): string[] => JSON.parse(args) as string[];
