import { runTokenCommand } from './auth/token-command.ts';
import { runCacheCommand } from './cache-command.ts';
import { runCheckCommand } from './check-command.ts';
import { runOperationsCommand } from './operations-command.ts';
import { runComposeCommand } from './schema/compose-command.ts';
import { runPublishCommand, runRegistryCommand } from './schema/registry-command.ts';
import { runServeCommand } from './serve-command.ts';

const USAGE = `usage: tollgate <command> [options]

commands:
  serve     run the gateway (tollgate serve --help)
  compose   compose supergraph.yaml into a supergraph SDL (tollgate compose --help)
  check     breaking changes of proposed subgraphs against the current supergraph (tollgate check --help)
  publish   publish one subgraph to the registry (tollgate publish --help)
  registry  the registry's history, versions and rollback (tollgate registry --help)
  token     print a signed JWT for local testing (tollgate token --help)
  operations publish a trusted-document manifest to Redis (tollgate operations --help)
  cache     invalidate the edge cache on every instance (tollgate cache --help)`;

/** One entry point, one subcommand per job; each subcommand parses its own flags. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServeCommand(rest);
    case 'compose':
      return runComposeCommand(rest);
    case 'check':
      return runCheckCommand(rest);
    case 'publish':
      return runPublishCommand(rest);
    case 'registry':
      return runRegistryCommand(rest);
    case 'token':
      return runTokenCommand(rest);
    case 'operations':
      return runOperationsCommand(rest);
    case 'cache':
      return runCacheCommand(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`tollgate: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
