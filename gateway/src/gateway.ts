import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createAdmissionStages, type AdmissionStages } from './admission.ts';
import { createAuthenticator } from './auth/authenticator.ts';
import { createOperationAuthorizer, supergraphForExecutor } from './authorization/field-authorization.ts';
import type { GatewayConfig } from './config/schema.ts';
import { createFederationGateway, type FederationGateway } from './federation/gateway.ts';
import { loadSupergraphSdl } from './federation/supergraph-source.ts';
import { createApolloServer } from './federation/apollo-server.ts';
import { createHttpServer, listen } from './http/server.ts';
import type { PipelineDeps } from './pipeline.ts';
import { createLogger } from './telemetry/logger.ts';

export interface RunningGateway {
  /** e.g. http://127.0.0.1:4000/graphql */
  url: string;
  port: number;
  logger: Logger;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Relative supergraph paths resolve against this (the config file's folder). */
  baseDir?: string;
  logger?: Logger;
}

/**
 * Starts the listener first (so /health answers and /ready says "loading"), then loads the
 * supergraph and starts Apollo Server; a supergraph that fails to load fails start-up.
 */
export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.telemetry.logging);
  const authenticator = await createAuthenticator(config.authentication, { logger, baseDir: options.baseDir ?? process.cwd() });
  const deps: PipelineDeps = { config, logger, apollo: undefined, authenticator };
  const server = createHttpServer(deps);
  const address = await listen(server, config.server.listen);
  let federation: FederationGateway | undefined;
  let admission: AdmissionStages | undefined;
  try {
    admission = createAdmissionStages(config, logger);
    deps.quotas = admission.quotas;
    const supergraphSdl = await loadSupergraphSdl(config.supergraph, options.baseDir ?? process.cwd());
    const authorize = createOperationAuthorizer(supergraphSdl);
    federation = createFederationGateway(supergraphForExecutor(supergraphSdl), config, logger, { authorize });
    const document = admission.documentStage(supergraphSdl);
    if (document) federation.gateway.onSchemaLoadOrUpdate(({ apiSchema }) => document.setSchema(apiSchema));
    const apollo = createApolloServer(federation.gateway, config, logger, admission.apolloOptions);
    await apollo.start();
    deps.document = document;
    deps.apollo = apollo;
  } catch (error) {
    await closeServer(server);
    await federation?.close();
    await admission?.close();
    authenticator.close();
    throw error;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const displayHost = host === '0.0.0.0' || host === '[::]' ? 'localhost' : host;
  const url = `http://${displayHost}:${address.port}${config.server.graphql_path}`;
  logger.info({ url }, 'gateway ready');

  return {
    url,
    port: address.port,
    logger,
    async stop() {
      const apollo = deps.apollo;
      deps.apollo = undefined;
      await closeServer(server);
      await apollo?.stop();
      await federation?.close();
      await admission?.close();
      authenticator.close();
    },
  };
}

// In-flight requests get this long to finish on shutdown before their connections are cut.
const SHUTDOWN_GRACE_MS = 5_000;

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const forceClose = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    forceClose.unref();
    server.close(() => {
      clearTimeout(forceClose);
      resolve();
    });
    server.closeIdleConnections();
  });
}
