// Variable expansion in supergraph.yaml, in the syntax rover shares with Apollo Router:
// `${env.NAME}` and `${env.NAME:-default}`, anywhere inside any string value. Expansion runs on
// the parsed YAML values, so an expanded value can never change the document's structure.

export interface ExpansionProblem {
  path: (string | number)[];
  message: string;
}

const REFERENCE = /\$\{([a-z]+)\.([^}:]*)(?::-([^}]*))?\}/g;

/** Returns a copy of `value` with every string expanded, plus one problem per reference that cannot be. */
export function expandVariables(
  value: unknown,
  env: Record<string, string | undefined>,
): { value: unknown; problems: ExpansionProblem[] } {
  const problems: ExpansionProblem[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') return expandString(node, env, (message) => problems.push({ path, message }));
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return node;
  };
  return { value: walk(value, []), problems };
}

function expandString(
  text: string,
  env: Record<string, string | undefined>,
  report: (message: string) => void,
): string {
  return text.replace(REFERENCE, (whole, namespace: string, name: string, fallback: string | undefined) => {
    if (namespace !== 'env') {
      report(`${whole}: only \${env.NAME} and \${env.NAME:-default} are supported`);
      return whole;
    }
    const found = env[name];
    // Shell semantics, as in router.yaml: `:-` also replaces an empty value.
    if (fallback !== undefined && (found === undefined || found === '')) return fallback;
    if (found !== undefined) return found;
    report(`${whole}: environment variable ${name} is not set (give a default with \${env.${name}:-default})`);
    return whole;
  });
}
