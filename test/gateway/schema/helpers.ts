// Shared by the schema tests: fixture paths, throwaway config directories, a captured command run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runComposeCommand } from '../../../gateway/src/schema/compose-command.ts';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/composition', import.meta.url));
export const fixture = (...parts: string[]) => join(FIXTURES, ...parts);

/** A temporary directory with the given files; `cleanup` removes it. */
export async function tempDir(files: Record<string, string>): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-compose-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCompose(argv: string[], env: Record<string, string | undefined> = {}): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  const code = await runComposeCommand(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env,
  });
  return { code, stdout, stderr };
}

/** A subgraph's SDL in the Federation 2 form every fixture uses. */
export function fed2(body: string, imports: string[] = ['@key']): string {
  const list = imports.map((i) => `"${i}"`).join(', ');
  return `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: [${list}])\n${body}\n`;
}
