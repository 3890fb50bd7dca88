#!/usr/bin/env node
// Entry for `npx tollgate`: registers tsx so the TypeScript sources run as they are, no build step.
// `serve` under a memory budget first starts itself again with V8 heap flags (memory-budget.mjs).
import { fileURLToPath } from 'node:url';
import { superviseUnderBudget } from './memory-budget.mjs';

if (!superviseUnderBudget(process.argv.slice(2), fileURLToPath(import.meta.url))) {
  // Asked for (--enable-source-maps) before tsx turns them on for its TypeScript.
  const sourceMapsAsked = process.sourceMapsEnabled;
  const { register } = await import('tsx/esm/api');
  register();
  // Source maps only make stack traces name TypeScript lines, but Node keeps every loaded
  // module's map on the heap, node_modules' too: ~14 MB. Kept when debugging.
  if (!sourceMapsAsked && !process.env['TOLLGATE_DEBUG']) process.setSourceMapsEnabled(false);
  await import('../gateway/src/cli.ts');
}
