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

/** A key's place in a parsed YAML tree: object keys and array indexes from the root. */
export type TreePath = (string | number)[];

/**
 * Rebuilds a parsed YAML tree with `expand` applied to every string value (gateway.yaml's
 * `${VAR}` here, supergraph.yaml's `${env.NAME}` in schema/). Expanding parsed values, not the
 * text, means an expanded value can never change the document's structure.
 */
export function mapStrings(node: unknown, expand: (text: string, path: TreePath) => string, path: TreePath = []): unknown {
  if (typeof node === 'string') return expand(node, path);
  if (Array.isArray(node)) return node.map((item, i) => mapStrings(item, expand, [...path, i]));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapStrings(value, expand, [...path, key])]));
  }
  return node;
}

/** Expands placeholders in every string of a parsed YAML tree; the error names the key (`a.b[0].c`). */
export function expandEnvDeep(node: unknown, env: NodeJS.ProcessEnv): unknown {
  return mapStrings(node, (text, path) => expandEnv(text, env, formatPath(path)));
}

function formatPath(path: TreePath): string {
  if (path.length === 0) return '(root)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}
