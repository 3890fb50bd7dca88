// Variable expansion in supergraph.yaml, in the syntax rover shares with Apollo Router:
// `${env.NAME}` and `${env.NAME:-default}`, anywhere inside any string value. Expansion runs on
// the parsed YAML values (config/env.ts mapStrings), so an expanded value can never change the
// document's structure.

import { mapStrings, type TreePath } from '../core/env.ts';

export interface ExpansionProblem {
  path: TreePath;
  message: string;
}

const REFERENCE = /\$\{([a-z]+)\.([^}:]*)(?::-([^}]*))?\}/g;

/** Returns a copy of `value` with every string expanded, plus one problem per reference that cannot be. */
export function expandVariables(
  value: unknown,
  env: Record<string, string | undefined>,
): { value: unknown; problems: ExpansionProblem[] } {
  const problems: ExpansionProblem[] = [];
  const expanded = mapStrings(value, (text, path) => expandString(text, env, (message) => problems.push({ path, message })));
  return { value: expanded, problems };
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
