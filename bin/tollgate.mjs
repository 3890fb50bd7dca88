#!/usr/bin/env node
// Entry for `npx tollgate`: registers tsx so the TypeScript sources run as they are, no build step.
// `serve` under a memory budget first starts itself again with V8 heap flags (memory-budget.mjs).
import { fileURLToPath } from 'node:url';
import { superviseUnderBudget } from './memory-budget.mjs';

if (!superviseUnderBudget(process.argv.slice(2), fileURLToPath(import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../gateway/src/cli.ts');
}
