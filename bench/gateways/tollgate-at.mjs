// `node tollgate-at.mjs <checkout>/gateway/src/cli.ts serve ...`: starts another checkout's
// Tollgate CLI (the --baseline-ref worktree) exactly as bin/tollgate.mjs starts the current one:
// tsx registered through its ESM API (resolved from this tree's node_modules, i.e. the same tsx),
// then the CLI imported. The path is taken out of argv so the CLI sees `serve ...` as usual.
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const [cli] = process.argv.splice(2, 1);
if (!cli) throw new Error('usage: node tollgate-at.mjs <checkout>/gateway/src/cli.ts <args...>');
register();
await import(pathToFileURL(cli).href);
