// `${VAR}` and `${VAR:-default}` expansion in config string values, as router.yaml and docker-compose do it.
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export class MissingEnvVarError extends Error {}

export function expandEnv(value: string, env: NodeJS.ProcessEnv, path: string): string {
  return value.replace(PLACEHOLDER, (_match, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    throw new MissingEnvVarError(`${path}: environment variable ${name} is not set (write \${${name}:-default} to give a default)`);
  });
}

/** Expands placeholders in every string of a parsed YAML tree; `path` names the key in errors. */
export function expandEnvDeep(node: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof node === 'string') return expandEnv(node, env, path || '(root)');
  if (Array.isArray(node)) return node.map((item, i) => expandEnvDeep(item, env, `${path}[${i}]`));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [key, expandEnvDeep(value, env, path ? `${path}.${key}` : key)]),
    );
  }
  return node;
}
