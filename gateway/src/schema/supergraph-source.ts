import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SupergraphConfig } from './config.ts';
import { composeFromConfigFile, formatCompositionIssues } from './compose.ts';
import type { RegistrySource } from './registry-source.ts';

export class SupergraphLoadError extends Error {
  override name = 'SupergraphLoadError';
}

/**
 * Reads the supergraph SDL named by `supergraph.file`, or composes `supergraph.compose` (rover's
 * supergraph.yaml), or reads the registry's current version (`supergraph.registry`, through `registry`).
 */
export async function loadSupergraphSdl(config: SupergraphConfig, baseDir: string, registry?: RegistrySource): Promise<string> {
  if (config.registry !== undefined) {
    if (registry === undefined) throw new SupergraphLoadError('supergraph.registry: no registry connection');
    let current;
    try {
      current = await registry.read();
    } catch (error) {
      throw new SupergraphLoadError(`supergraph.registry: cannot read the registry: ${(error as Error).message}`);
    }
    if (current === undefined) throw new SupergraphLoadError('supergraph.registry: nothing has been published yet');
    return current.supergraph;
  }
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
