// The machine's programs the stack runs besides Node: redis-server and haproxy. Found on PATH (or
// at STACK_REDIS_SERVER / STACK_HAPROXY); when missing, installed from the distribution's packages
// if that is possible here (apt-get, as root), else a clear error naming what to install.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Tool {
  /** The command's name on PATH. */
  command: string;
  /** The Debian/Ubuntu package that has it. */
  aptPackage: string;
  /** The environment variable that names the binary instead. */
  envOverride: string;
}

export const REDIS_SERVER: Tool = { command: 'redis-server', aptPackage: 'redis-server', envOverride: 'STACK_REDIS_SERVER' };
export const HAPROXY: Tool = { command: 'haproxy', aptPackage: 'haproxy', envOverride: 'STACK_HAPROXY' };

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

/** The binary's path; installs the package first when allowed and needed; throws MissingToolError. */
export function requireTool(tool: Tool, opts: { install: boolean; log: (line: string) => void; env?: NodeJS.ProcessEnv }): string {
  const env = opts.env ?? process.env;
  const override = env[tool.envOverride];
  if (override) {
    if (isExecutable(override)) return override;
    throw new MissingToolError(`${tool.envOverride}=${override}: not an executable file`);
  }
  const found = onPath(tool.command, env);
  if (found) return found;
  const manual = `install it (Debian/Ubuntu: apt-get install -y ${tool.aptPackage}) or set ${tool.envOverride} to its path`;
  if (!opts.install) throw new MissingToolError(`${tool.command} not found on PATH; ${manual}`);
  const apt = onPath('apt-get', env);
  if (!apt || process.getuid?.() !== 0) {
    throw new MissingToolError(`${tool.command} not found on PATH, and it cannot be installed here (${apt ? 'not root' : 'no apt-get'}); ${manual}`);
  }
  opts.log(`${tool.command} not found; installing the ${tool.aptPackage} package (apt-get install -y ${tool.aptPackage})`);
  // A fresh machine may have no package lists yet: update once if the first attempt fails.
  let result = spawnSync(apt, ['install', '-y', tool.aptPackage], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status !== 0) {
    spawnSync(apt, ['update'], { stdio: ['ignore', 'inherit', 'inherit'] });
    result = spawnSync(apt, ['install', '-y', tool.aptPackage], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  const installed = onPath(tool.command, env);
  if (result.status !== 0 || !installed) {
    throw new MissingToolError(`${tool.command} not found on PATH, and apt-get install -y ${tool.aptPackage} failed (exit ${result.status}); ${manual}`);
  }
  return installed;
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, command))) return join(dir, command);
  }
  // Debian puts daemons in /usr/sbin, which a non-login PATH may lack.
  for (const dir of ['/usr/sbin', '/usr/local/sbin']) {
    if (isExecutable(join(dir, command))) return join(dir, command);
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
