// The dependency rule of gateway/src (the table in test/support/dependency-rule.ts): core/ knows
// nothing else, config/ reads only the concerns' config.ts slices, each concern builds on core/
// only, the top-level files wire them together, and nothing leaves gateway/ by a relative path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { checkDependencyRule, formatViolation, importSpecifiers } from '../support/dependency-rule.ts';

const FIXTURE_SRC = fileURLToPath(new URL('../fixtures/dependency-rule/gateway/src', import.meta.url));
const GATEWAY_SRC = fileURLToPath(new URL('../../gateway/src', import.meta.url));

test('every kind of import is seen; comments and strings are not imports', () => {
  const text = [
    "import a from './a.ts';",
    "import type { B } from './b.ts';",
    "export * from './c.ts';",
    "export type { D } from './d.ts';",
    "const e = () => import('./e.ts');",
    "type F = import('./f.ts').F;",
    "// import g from './g.ts';",
    "const h = \"import h from './h.ts'\";",
  ].join('\n');
  assert.deepEqual(importSpecifiers(text), ['./a.ts', './b.ts', './c.ts', './d.ts', './e.ts', './f.ts']);
});

test('the fixture tree breaks exactly the rules its files say, and its allowed imports pass', () => {
  const violations = checkDependencyRule(FIXTURE_SRC).map(formatViolation);
  assert.deepEqual(violations, [
    'gateway/src/auth/identity.ts -> ../../../subgraphs/demo.ts (nothing in gateway/ imports outside gateway/)',
    'gateway/src/auth/keys.ts -> ../quota/limit.ts (auth/ may import only auth/, core/)',
    'gateway/src/config/schema.ts -> ../quota/limit.ts (config/ may import only config/, core/, */config.ts)',
    'gateway/src/core/errors.ts -> ../quota/limit.ts (core/ may import only core/)',
    'gateway/src/limits/old.ts -> * (no row of the rule table covers limits/old.ts)',
    'gateway/src/pipeline.ts -> ../../subgraphs/demo.ts (nothing in gateway/ imports outside gateway/)',
    'gateway/src/quota/limit.ts -> ../auth/identity.ts (quota/ may import only quota/, core/)',
  ]);
  // The allowed imports (core/ from a concern, a concern's own folder, a concern's config.ts from
  // config/, anything from the wiring, npm packages and node: builtins) report nothing.
  for (const allowed of ['./errors.ts', '../core/clock.ts', './config.ts', '../quota/config.ts', './auth/keys.ts', 'zod']) {
    assert.ok(!violations.some((line) => line.includes(` -> ${allowed} `)), `${allowed} is allowed`);
  }
});

test('gateway/src keeps the dependency rule', () => {
  const violations = checkDependencyRule(GATEWAY_SRC).map(formatViolation);
  assert.ok(violations.length === 0, `${violations.length} imports break the dependency rule:\n${violations.join('\n')}`);
});
