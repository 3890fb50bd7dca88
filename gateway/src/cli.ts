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

/**
 * One entry point, one subcommand per job; each subcommand parses its own flags. Each is imported
 * when asked for: `tollgate token` or a usage error need not load the gateway (~1.5 s under tsx).
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return (await import('./serve-command.ts')).runServeCommand(rest);
    case 'compose':
      return (await import('./schema/compose-command.ts')).runComposeCommand(rest);
    case 'check':
      return (await import('./check-command.ts')).runCheckCommand(rest);
    case 'publish':
      return (await import('./schema/registry-command.ts')).runPublishCommand(rest);
    case 'registry':
      return (await import('./schema/registry-command.ts')).runRegistryCommand(rest);
    case 'token':
      return (await import('./auth/token-command.ts')).runTokenCommand(rest);
    case 'operations':
      return (await import('./operations-command.ts')).runOperationsCommand(rest);
    case 'cache':
      return (await import('./cache-command.ts')).runCacheCommand(rest);
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
