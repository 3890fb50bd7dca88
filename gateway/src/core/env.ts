// Environment variables in config files: one expander for gateway.yaml and supergraph.yaml.
// `${NAME}` and `${NAME:-default}` (as docker-compose) and `${env.NAME}` / `${env.NAME:-default}`
// (as rover and router.yaml) mean the same; `:-` also replaces an empty value, as in a shell.
// Expansion runs on the parsed YAML values, not the text, so an expanded value can never change
// the document's structure.

const PLACEHOLDER = /\$\{(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** A key's place in a parsed YAML tree: object keys and array indexes from the root. */
export type TreePath = (string | number)[];

export interface ExpansionProblem {
  path: TreePath;
  message: string;
}

/** A copy of `tree` with every placeholder expanded, and one problem per placeholder that cannot be. */
export function expandPlaceholders(tree: unknown, env: Record<string, string | undefined>): { value: unknown; problems: ExpansionProblem[] } {
  const problems: ExpansionProblem[] = [];
  const value = mapStrings(tree, (text, path) =>
    text.replace(PLACEHOLDER, (whole, namespace: string | undefined, name: string, fallback: string | undefined) => {
      if (namespace !== undefined && namespace !== 'env') {
        problems.push({ path, message: `${whole}: only \${NAME} and \${env.NAME} (with :-default) are supported` });
        return whole;
      }
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      problems.push({ path, message: `${whole}: environment variable ${name} is not set (give a default with \${${name}:-default})` });
      return whole;
    }),
  );
  return { value, problems };
}

/** `a.b[0].c`, or `(top level)`. */
export function formatTreePath(path: TreePath): string {
  if (path.length === 0) return '(top level)';
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

function mapStrings(node: unknown, expand: (text: string, path: TreePath) => string, path: TreePath = []): unknown {
  if (typeof node === 'string') return expand(node, path);
  if (Array.isArray(node)) return node.map((item, i) => mapStrings(item, expand, [...path, i]));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapStrings(value, expand, [...path, key])]));
  }
  return node;
}
