import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { defaultConfig, loadConfigFile } from './config/load.ts';
import { ConfigError } from './core/config-errors.ts';
import type { GatewayConfig } from './config/schema.ts';
import { startGateway, type RunningGateway } from './gateway.ts';
import { BUDGET_ENV } from './memory/budget.ts';
import { SupergraphLoadError } from './schema/supergraph-source.ts';
import { SupergraphConfigError } from './schema/supergraph-config.ts';
import { MAX_WORKERS } from './http/config.ts';
import { WorkerLink } from './workers-link.ts';
import { runPrimary } from './workers-primary.ts';

const USAGE = `usage: tollgate serve [--config gateway/gateway.yaml] [--supergraph FILE] [--port N] [--workers N|auto]

  --config FILE       gateway.yaml to use (default gateway/gateway.yaml)
  --supergraph FILE   serve this supergraph SDL; without --config, every other setting is its default
  --port N            listen on this port (overrides server.listen's port)
  --workers N|auto    worker processes sharing the port, 1 to ${MAX_WORKERS}, or auto: one per core
                      (overrides server.workers; default 1)`;

/** `tollgate serve`: runs the gateway until SIGINT/SIGTERM. Returns an exit code on start-up failure. */
export async function runServeCommand(argv: string[]): Promise<number> {
  let values: { config?: string; supergraph?: string; port?: string; workers?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        supergraph: { type: 'string' },
        port: { type: 'string' },
        workers: { type: 'string' },
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

  const workersFlag = values.workers === undefined ? undefined : workersValue(values.workers);
  if (workersFlag === null) {
    console.error(`tollgate serve: --workers must be a whole number from 1 to ${MAX_WORKERS}, or auto, got "${values.workers}"`);
    return 2;
  }
  const reread = () => resolveConfig(values.config, values.supergraph, port, workersFlag);

  // A worker of `--workers N` (forked by the primary below): it reports to the primary, which says things once.
  const link = WorkerLink.ofThisProcess();
  if (link) return runWorker(link, reread);

  try {
    const { config, baseDir } = await reread();
    const workers = workerCount(config.server.workers);
    if (workers > 1) {
      // The config is valid (checked above, before any fork): the workers start from the same file.
      runPrimary({ workers, config, reread, supervised: process.env[BUDGET_ENV] !== undefined });
      return -1;
    }
    const gateway = await startGateway(config, { baseDir });
    console.error(`tollgate: serving ${gateway.url}`);
    handleSignals(gateway, reread);
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

/** `server.workers` as a number of processes: "auto" is one per core this process may use. */
function workerCount(value: number | 'auto'): number {
  return value === 'auto' ? Math.min(availableParallelism(), MAX_WORKERS) : value;
}

/** `--workers`: 1..MAX_WORKERS or "auto"; null when it is neither. */
function workersValue(text: string): number | 'auto' | null {
  if (text === 'auto') return 'auto';
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  return Number.isInteger(value) && value >= 1 && value <= MAX_WORKERS ? value : null;
}

/**
 * One worker of `--workers N`: starts the gateway and tells the primary it serves; a start-up
 * failure goes to the primary, which prints it once for all workers, and this process exits 1.
 */
async function runWorker(link: WorkerLink, reread: () => Promise<{ config: GatewayConfig; baseDir: string }>): Promise<number> {
  try {
    const { config, baseDir } = await reread();
    const gateway = await startGateway(config, { baseDir, worker: link });
    link.started(gateway.url);
    handleSignals(gateway, reread, link);
    return -1;
  } catch (error) {
    const known = error instanceof ConfigError || error instanceof SupergraphLoadError || error instanceof SupergraphConfigError;
    if (!known && process.env['TOLLGATE_DEBUG']) console.error(error);
    await link.startFailed(known ? (error as Error).message : `start-up failed: ${(error as Error).message ?? String(error)}`);
    process.exit(1);
  }
}

/**
 * SIGTERM / SIGINT: a graceful shutdown (drain, then stop; exit 0); a second one exits at once.
 * SIGHUP: the config file is read again and applied, or refused with the reason (the running
 * config stays). Under a memory budget, bin/memory-budget.mjs's supervisor forwards the signals it
 * gets over IPC: a terminal's Ctrl-C or systemd's control-group kill reach both processes at once,
 * which is one request, so a stop counts as "again" only from the source that asked already.
 * A worker of `--workers N` is passed them by its primary the same way (workers-primary.ts).
 */
function handleSignals(gateway: RunningGateway, rereadConfig: () => Promise<{ config: GatewayConfig }>, link?: WorkerLink): void {
  const asked = new Set<'signal' | 'supervisor'>();
  let stopping = false;
  const stop = (signal: NodeJS.Signals, source: 'signal' | 'supervisor') => {
    if (asked.has(source)) {
      if (link === undefined) console.error(`tollgate: ${signal} again, exiting now`);
      process.exit(1);
    }
    asked.add(source);
    if (stopping) return;
    stopping = true;
    // A worker's drain is the primary's to announce (once); its own log line says it drains.
    if (link === undefined) console.error(`tollgate: ${signal}: draining, then stopping (${signal} again to exit at once)`);
    gateway.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`tollgate: shutdown failed${link ? ` (worker ${link.id})` : ''}: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  // A worker's outcome goes to the primary (asked by it or not), which says it once for all of them.
  const reload = () => {
    rereadConfig()
      .then(({ config }) => gateway.reconfigure(config))
      .then(
        () => (link ? link.reloaded() : console.error('tollgate: SIGHUP: config reloaded')),
        (error: unknown) => (link ? link.reloaded((error as Error).message) : console.error(`tollgate: SIGHUP: config not reloaded: ${(error as Error).message}`)),
      );
  };
  process.on('SIGINT', () => stop('SIGINT', 'signal'));
  process.on('SIGTERM', () => stop('SIGTERM', 'signal'));
  process.on('SIGHUP', reload);
  // Only the supervisor's child and the primary's workers have their channel (a process forked by
  // anyone else keeps to signals). A worker is sent SIGHUP only by its primary, which checked the file.
  if (process.send === undefined || (process.env[BUDGET_ENV] === undefined && link === undefined)) return;
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
  workers: number | 'auto' | undefined,
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
  if (workers !== undefined) loaded.config.server.workers = workers;
  return loaded;
}
