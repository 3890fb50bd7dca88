import { parseArgs } from 'node:util';
import { defaultConfig, loadConfigFile } from './config/load.ts';
import { ConfigError } from './core/config-errors.ts';
import type { GatewayConfig } from './config/schema.ts';
import { startGateway, type RunningGateway } from './gateway.ts';
import { BUDGET_ENV } from './memory/budget.ts';
import { SupergraphLoadError } from './schema/supergraph-source.ts';
import { SupergraphConfigError } from './schema/supergraph-config.ts';

const USAGE = `usage: tollgate serve [--config gateway/gateway.yaml] [--supergraph FILE] [--port N]

  --config FILE       gateway.yaml to use (default gateway/gateway.yaml)
  --supergraph FILE   serve this supergraph SDL; without --config, every other setting is its default
  --port N            listen on this port (overrides server.listen's port)`;

/** `tollgate serve`: runs the gateway until SIGINT/SIGTERM. Returns an exit code on start-up failure. */
export async function runServeCommand(argv: string[]): Promise<number> {
  let values: { config?: string; supergraph?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        supergraph: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`tollgate serve: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    console.error(`tollgate serve: --port must be a port number, got "${values.port}"`);
    return 2;
  }

  try {
    const { config, baseDir } = await resolveConfig(values.config, values.supergraph, port);
    const gateway = await startGateway(config, { baseDir });
    console.error(`tollgate: serving ${gateway.url}`);
    handleSignals(gateway, () => resolveConfig(values.config, values.supergraph, port));
    return -1; // keeps running
  } catch (error) {
    if (error instanceof ConfigError || error instanceof SupergraphLoadError || error instanceof SupergraphConfigError) {
      console.error(`tollgate serve: ${error.message}`);
      return 1;
    }
    // Anything else is a bug: one line for the operator, the stack only when asked for.
    console.error(`tollgate serve: start-up failed: ${(error as Error).message ?? String(error)}`);
    if (process.env['TOLLGATE_DEBUG']) console.error(error);
    else console.error('tollgate serve: set TOLLGATE_DEBUG=1 to see the stack trace');
    return 1;
  }
}

/**
 * SIGTERM / SIGINT: a graceful shutdown (drain, then stop; exit 0); a second one exits at once.
 * SIGHUP: the config file is read again and applied, or refused with the reason (the running
 * config stays). Under a memory budget, bin/memory-budget.mjs's supervisor forwards the signals it
 * gets over IPC: a terminal's Ctrl-C or systemd's control-group kill reach both processes at once,
 * which is one request, so a stop counts as "again" only from the source that asked already.
 */
function handleSignals(gateway: RunningGateway, rereadConfig: () => Promise<{ config: GatewayConfig }>): void {
  const asked = new Set<'signal' | 'supervisor'>();
  let stopping = false;
  const stop = (signal: NodeJS.Signals, source: 'signal' | 'supervisor') => {
    if (asked.has(source)) {
      console.error(`tollgate: ${signal} again, exiting now`);
      process.exit(1);
    }
    asked.add(source);
    if (stopping) return;
    stopping = true;
    console.error(`tollgate: ${signal}: draining, then stopping (${signal} again to exit at once)`);
    gateway.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`tollgate: shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  const reload = () => {
    rereadConfig()
      .then(({ config }) => gateway.reconfigure(config))
      .then(
        () => console.error('tollgate: SIGHUP: config reloaded'),
        (error: unknown) => console.error(`tollgate: SIGHUP: config not reloaded: ${(error as Error).message}`),
      );
  };
  process.on('SIGINT', () => stop('SIGINT', 'signal'));
  process.on('SIGTERM', () => stop('SIGTERM', 'signal'));
  process.on('SIGHUP', reload);
  // Only the supervisor's child has its channel (a process forked by anyone else keeps to signals).
  if (process.send === undefined || process.env[BUDGET_ENV] === undefined) return;
  process.on('message', (message: { tollgate?: unknown; signal?: unknown } | null) => {
    if (message?.tollgate !== 'signal') return;
    if (message.signal === 'SIGHUP') reload();
    else if (message.signal === 'SIGINT' || message.signal === 'SIGTERM') stop(message.signal, 'supervisor');
  });
  // The supervisor gone (killed): nobody would forward a signal any more, so stop rather than linger.
  process.on('disconnect', () => {
    if (!stopping) stop('SIGTERM', 'supervisor');
  });
}

async function resolveConfig(
  configPath: string | undefined,
  supergraph: string | undefined,
  port: number | undefined,
): Promise<{ config: GatewayConfig; baseDir: string }> {
  let loaded: { config: GatewayConfig; baseDir: string };
  if (supergraph !== undefined && configPath === undefined) {
    loaded = { config: defaultConfig({ supergraph: { file: supergraph } }), baseDir: process.cwd() };
  } else {
    loaded = await loadConfigFile(configPath ?? 'gateway/gateway.yaml');
    if (supergraph !== undefined) {
      loaded.config.supergraph = { ...loaded.config.supergraph, file: supergraph, compose: undefined };
      loaded.baseDir = process.cwd();
    }
  }
  if (port !== undefined) {
    const listen = loaded.config.server.listen;
    loaded.config.server.listen = `${listen.slice(0, listen.lastIndexOf(':'))}:${port}`;
  }
  return loaded;
}
