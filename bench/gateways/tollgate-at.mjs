// `node tollgate-at.mjs <checkout>/gateway/src/cli.ts serve ...`: starts another checkout's
// Tollgate CLI (the --baseline-ref worktree) exactly as bin/tollgate.mjs starts the current one:
// tsx registered through its ESM API (resolved from this tree's node_modules, i.e. the same tsx),
// then the CLI imported. The path is taken out of argv so the CLI sees `serve ...` as usual; it is
// kept in the environment for the workers of `--workers N`, which node:cluster starts as this
// script again with the argv the CLI saw (without the path).
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const CLI_ENV = 'TOLLGATE_AT_CLI';
const cli = process.env[CLI_ENV] ?? process.argv.splice(2, 1)[0];
if (!cli) throw new Error('usage: node tollgate-at.mjs <checkout>/gateway/src/cli.ts <args...>');
process.env[CLI_ENV] = cli;
register();
await import(pathToFileURL(cli).href);
