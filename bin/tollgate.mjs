#!/usr/bin/env node
// Entry for `npx tollgate`: registers tsx so the TypeScript sources run as they are, no build step.
import { register } from 'tsx/esm/api';

register();
await import('../gateway/src/cli.ts');
