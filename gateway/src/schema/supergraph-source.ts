import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SupergraphConfig } from './config.ts';
import { composeFromConfigFile, formatCompositionIssues } from './compose.ts';

export class SupergraphLoadError extends Error {
  override name = 'SupergraphLoadError';
}

/** Reads the supergraph SDL named by `supergraph.file`, or composes `supergraph.compose` (rover's supergraph.yaml). */
export async function loadSupergraphSdl(config: SupergraphConfig, baseDir: string): Promise<string> {
  if (config.file !== undefined) {
    const path = resolve(baseDir, config.file);
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new SupergraphLoadError(
        `supergraph.file: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
  const path = resolve(baseDir, config.compose as string);
  const outcome = await composeFromConfigFile(path, { introspectionTimeoutMs: config.introspection_timeout_ms });
  if (!outcome.ok) {
    throw new SupergraphLoadError(`supergraph.compose: ${path} does not compose:\n${formatCompositionIssues(outcome.errors)}`);
  }
  return outcome.supergraphSdl;
}
