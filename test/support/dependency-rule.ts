// The gateway's dependency rule: which folder of gateway/src may import which. It keeps the
// concerns (http, auth, quota, …) independent of each other so each can be read, tested and
// replaced alone, with core/ as the shared base and the top-level files as the only wiring.
// test/architecture/dependency-rule.test.ts enforces it on gateway/src with `npm test`.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** The concern folders: each is self-contained, building on core/ only. */
export const CONCERNS = [
  'http', 'auth', 'clients', 'document', 'cost', 'quota', 'authorization', 'federation', 'telemetry', 'schema', 'memory', 'rest', 'explorer', 'cache',
] as const;

/**
 * A row allows files matching `from` to import gateway files matching any of `to`.
 * Paths are relative to gateway/src. Patterns:
 *   'core/'         everything under that folder
 *   '*.ts'          a .ts file directly in src (the wiring)
 *   '*\/config.ts'  config.ts directly in any top-level folder (a concern's config slice)
 *   '**'            anything under src
 *   'quota/x.ts'    exactly that file (for exceptions)
 * An import is allowed when ANY row whose `from` matches the importer allows it.
 */
export interface Rule {
  from: string;
  to: readonly string[];
}

export const RULES: readonly Rule[] = [
  // core/ is the base every concern builds on: it must not know any of them, or nothing is reusable.
  { from: 'core/', to: ['core/'] },
  // config/ merges the slice schema each concern owns (its config.ts) into gateway.yaml's schema.
  { from: 'config/', to: ['config/', 'core/', '*/config.ts'] },
  // A concern is self-contained on top of core/: concerns meet only in the wiring, never directly.
  ...CONCERNS.map((concern) => ({ from: `${concern}/`, to: [`${concern}/`, 'core/'] })),
  // The wiring (pipeline.ts, gateway.ts, serve-command.ts, cli.ts, …) composes everything.
  { from: '*.ts', to: ['**'] },
  // Exceptions, one row each, with why; e.g.:
  // { from: 'quota/stage.ts', to: ['auth/identity.ts'] }, // quota keys on the identity auth produced
];

/** One broken rule: `file -> import (rule broken)`. */
export interface Violation {
  /** The importing file, relative to the parent of the gateway folder (e.g. gateway/src/core/x.ts). */
  file: string;
  /** The specifier as written. */
  specifier: string;
  rule: string;
}

export function formatViolation(violation: Violation): string {
  return `${violation.file} -> ${violation.specifier} (${violation.rule})`;
}

/**
 * Checks every .ts file under `srcRoot` (a gateway's src folder; its parent is the gateway folder,
 * which no relative import may leave). npm packages and node: builtins are always allowed.
 */
export function checkDependencyRule(srcRoot: string): Violation[] {
  const src = resolve(srcRoot);
  const gatewayRoot = dirname(src);
  const shownFrom = dirname(gatewayRoot); // so files print as gateway/src/…
  const violations: Violation[] = [];
  for (const file of listTsFiles(src)) {
    const fromPath = toPosix(relative(src, file));
    const shown = toPosix(relative(shownFrom, file));
    const rows = RULES.filter((row) => matches(row.from, fromPath));
    if (rows.length === 0) {
      // A new top-level folder must get a row (a decision), not slip through unchecked.
      violations.push({ file: shown, specifier: '*', rule: `no row of the rule table covers ${fromPath}` });
      continue;
    }
    const allowed = [...new Set(rows.flatMap((row) => row.to))];
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.') && !isAbsolute(specifier)) continue; // a package: fine everywhere
      const target = resolve(dirname(file), specifier);
      if (!isInside(gatewayRoot, target)) {
        violations.push({ file: shown, specifier, rule: 'nothing in gateway/ imports outside gateway/' });
        continue;
      }
      if (!isInside(src, target)) {
        violations.push({ file: shown, specifier, rule: 'gateway code imports only from gateway/src' });
        continue;
      }
      const toPath = toPosix(relative(src, target));
      if (!allowed.some((pattern) => matches(pattern, toPath))) {
        const who = rows.map((row) => row.from).join(', ');
        violations.push({ file: shown, specifier, rule: `${who} may import only ${allowed.join(', ')}` });
      }
    }
  }
  return violations;
}

/**
 * Every module specifier of a file: static and type-only imports, `export … from`, dynamic
 * `import('…')` and `import('…')` types. TypeScript's own scanner skips comments and strings.
 */
export function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((imported) => imported.fileName);
}

/** Does `path` (relative to src, posix) match a table pattern? */
function matches(pattern: string, path: string): boolean {
  const segments = path.split('/');
  if (pattern === '**') return true;
  if (pattern === '*.ts') return segments.length === 1 && path.endsWith('.ts');
  if (pattern.startsWith('*/')) return segments.length === 2 && segments[1] === pattern.slice(2);
  if (pattern.endsWith('/')) return path === pattern.slice(0, -1) || path.startsWith(pattern);
  return path === pattern;
}

function listTsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listTsFiles(path);
      return entry.name.endsWith('.ts') ? [path] : [];
    })
    .sort();
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
