// How each kind of gateway is started: command line, URLs, environment. One function per kind;
// every gateway process is Node itself (no npx/shell wrapper), so its pid is the one measured.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RowKind } from '../rows.ts';

export interface LaunchContext {
  repoRoot: string;
  runDir: string;
  supergraphPath: string;
  port: number;
  /** Extra args/env from the row and its `prepare` hook. */
  args: string[];
  env: Record<string, string>;
  /** Tollgate rows: another checkout to run the gateway from (the --baseline-ref worktree); null = this tree. */
  tollgateRoot: string | null;
  /** Hive rows: the cwd, where the CLI looks for gateway.config.* (a row's own scratch dir); null = runDir. */
  cwd: string | null;
  /** Directory for --cpu-prof output, when this row is profiled. */
  cpuProfDir: string | null;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  graphqlUrl: string;
  healthUrl?: string;
}

type GatewayKind = Exclude<RowKind, 'subgraph-direct'>;

export function launchSpec(kind: GatewayKind, ctx: LaunchContext): LaunchSpec {
  return launchers[kind](ctx);
}

const launchers: Record<GatewayKind, (ctx: LaunchContext) => LaunchSpec> = {
  // Another checkout goes through gateways/tollgate-at.mjs, which does what bin/tollgate.mjs does
  // (tsx's ESM register(), then import the CLI) for that checkout's gateway/src/cli.ts: same
  // loader, same tsx, whatever bin/ looked like at that commit. Its cwd is that checkout, so tsx
  // reads that checkout's tsconfig.json.
  tollgate: (ctx) => ({
    command: process.execPath,
    args: [
      ...nodeFlags(ctx),
      ...(ctx.tollgateRoot === null
        ? [join(ctx.repoRoot, 'bin/tollgate.mjs')]
        : [fileURLToPath(new URL('../gateways/tollgate-at.mjs', import.meta.url)), join(ctx.tollgateRoot, 'gateway/src/cli.ts')]),
      'serve', '--supergraph', ctx.supergraphPath, '--port', String(ctx.port),
      ...ctx.args,
    ],
    cwd: ctx.tollgateRoot ?? ctx.repoRoot,
    env: gatewayEnv(ctx.env),
    graphqlUrl: `http://127.0.0.1:${ctx.port}/graphql`,
    healthUrl: `http://127.0.0.1:${ctx.port}/health`,
  }),

  // Three replicas of this tree's gateway behind HAProxy, as one process tree (gateways/tollgate-lb.ts).
  'tollgate-lb': (ctx) => ({
    command: process.execPath,
    args: [...nodeFlags(ctx), '--import', 'tsx', fileURLToPath(new URL('../gateways/tollgate-lb.ts', import.meta.url)), ctx.supergraphPath, String(ctx.port), ...ctx.args],
    cwd: ctx.repoRoot,
    env: gatewayEnv(ctx.env),
    graphqlUrl: `http://127.0.0.1:${ctx.port}/graphql`,
    healthUrl: `http://127.0.0.1:${ctx.port}/health`,
  }),

  'apollo-gateway': (ctx) => ({
    command: process.execPath,
    args: [
      ...nodeFlags(ctx),
      '--import', 'tsx',
      fileURLToPath(new URL('../gateways/apollo-gateway.ts', import.meta.url)),
      ctx.supergraphPath, String(ctx.port),
      ...ctx.args,
    ],
    cwd: ctx.repoRoot,
    env: gatewayEnv(ctx.env),
    graphqlUrl: `http://127.0.0.1:${ctx.port}/graphql`,
  }),

  // Its own CLI, run as `node dist/bin.js` rather than through the .bin shim. cwd is the
  // scratch dir so it cannot pick up a stray gateway.config.ts (a row that wants a config file,
  // e.g. hive-router-runtime, gets a dir of its own with one); a file supergraph is watched,
  // not polled; nothing reports usage without a Hive/Apollo token (scrubbed from env below).
  'hive-gateway': (ctx) => ({
    command: process.execPath,
    args: [
      ...nodeFlags(ctx),
      hiveBin(),
      'supergraph', ctx.supergraphPath,
      '--host', '127.0.0.1', '--port', String(ctx.port), '--fork', '1',
      ...ctx.args,
    ],
    cwd: ctx.cwd ?? ctx.runDir,
    env: gatewayEnv(ctx.env),
    graphqlUrl: `http://127.0.0.1:${ctx.port}/graphql`,
    healthUrl: `http://127.0.0.1:${ctx.port}/healthcheck`,
  }),
};

// The profile is written when the process exits normally, i.e. after SIGTERM is handled.
function nodeFlags(ctx: LaunchContext): string[] {
  return ctx.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`] : [];
}

function hiveBin(): string {
  return join(dirname(fileURLToPath(import.meta.resolve('@graphql-hive/gateway'))), 'bin.js');
}

// Same environment for every gateway: production mode, and no credentials that would turn on
// usage reporting to Apollo GraphOS or Hive.
function gatewayEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(APOLLO_|HIVE_)/.test(k)) env[k] = v;
  }
  return { ...env, NODE_ENV: 'production', ...extra };
}
