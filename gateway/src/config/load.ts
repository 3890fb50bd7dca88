import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, describeConfigIssues } from '../core/config-errors.ts';
import { expandPlaceholders, formatTreePath } from '../core/env.ts';
import { gatewayConfigSchema, type GatewayConfig, type GatewayConfigInput } from './schema.ts';

export interface LoadedConfig {
  config: GatewayConfig;
  /** Relative paths in the file (supergraph.file, supergraph.compose) resolve against this. */
  baseDir: string;
}

export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`${path}: invalid YAML: ${(error as Error).message}`);
  }
  return { config: parseConfig(raw, env, path), baseDir: dirname(resolve(path)) };
}

/** Validates an already-parsed config tree (from YAML, or built in code by the CLI and tests). */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, source = 'config'): GatewayConfig {
  const { value: expanded, problems } = expandPlaceholders(raw, env);
  if (problems.length > 0) throw new ConfigError(`${source}: ${problems.map((p) => `${formatTreePath(p.path)}: ${p.message}`).join('\n')}`);
  const result = gatewayConfigSchema.safeParse(expanded);
  if (!result.success) {
    const lines = describeConfigIssues(result.error.issues, expanded, gatewayConfigSchema).map((line) => `  - ${line}`);
    throw new ConfigError(`${source}: invalid configuration\n${lines.join('\n')}`);
  }
  return result.data;
}

export function defaultConfig(overrides: GatewayConfigInput): GatewayConfig {
  return parseConfig(overrides, {}, 'defaults');
}
