import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { defaultConfig } from '../../gateway/src/config/load.ts';
import type { GatewayConfigInput } from '../../gateway/src/config/schema.ts';
import { startGateway, type RunningGateway } from '../../gateway/src/gateway.ts';
import { composeSubgraphs } from '../../gateway/src/schema/compose.ts';
import type { SubgraphDefinition } from '../../gateway/src/schema/supergraph-config.ts';

/** Composes subgraphs (name → SDL, URL) in process; fails the test on composition errors. */
export function composeForTest(subgraphs: Array<Pick<SubgraphDefinition, 'name' | 'routingUrl' | 'sdl'>>): string {
  const outcome = composeSubgraphs(subgraphs.map((s) => ({ ...s, source: `${s.name} (test)` })));
  if (!outcome.ok) throw new Error(`test supergraph does not compose: ${JSON.stringify(outcome.errors)}`);
  return outcome.supergraphSdl;
}

/**
 * Starts a real gateway on 127.0.0.1:0, logging silenced, over a supergraph SDL or a
 * supergraph.yaml composed at start (`{ compose: path }`); `overrides` replace whole config slices.
 */
export async function startTestGateway(
  supergraph: string | { compose: string },
  overrides: Omit<GatewayConfigInput, 'supergraph'> = {},
): Promise<RunningGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-test-'));
  let source: GatewayConfigInput['supergraph'];
  if (typeof supergraph === 'string') {
    source = { file: join(dir, 'supergraph.graphql') };
    await writeFile(source.file as string, supergraph);
  } else {
    source = { compose: supergraph.compose };
  }
  const config = defaultConfig({
    telemetry: { logging: { level: 'silent' } },
    ...overrides,
    server: { listen: '127.0.0.1:0', ...overrides.server },
    supergraph: source,
  });
  const gateway = await startGateway(config);
  // Keep the gateway object itself (its `config` and `federation` are live getters): only wrap stop.
  const stop = gateway.stop;
  gateway.stop = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };
  return gateway;
}

export interface GraphQLHttpResult {
  status: number;
  headers: Headers;
  body: any;
}

/** POSTs a GraphQL request over real HTTP and parses the JSON answer. */
export async function postGraphQL(
  url: string,
  request: { query?: string; variables?: Record<string, unknown>; operationName?: string; extensions?: Record<string, unknown> },
  headers: Record<string, string> = {},
): Promise<GraphQLHttpResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  const body = text ? JSON.parse(text) : undefined;
  if (Array.isArray(body?.errors)) stripRequestIds(body.errors, response.headers);
  return { status: response.status, headers: response.headers, body };
}

/**
 * The gateway names the request in every error (`extensions.requestId`): each one must be the id
 * the response's request-id header carries. Checked here, then removed, so that a test's expected
 * errors stay about the error itself.
 */
function stripRequestIds(errors: Array<{ extensions?: Record<string, unknown> }>, headers: Headers): void {
  const headerValues = new Set(headers.values());
  for (const error of errors) {
    const requestId = error.extensions?.['requestId'];
    if (requestId === undefined) continue;
    assert.ok(typeof requestId === 'string' && headerValues.has(requestId), `extensions.requestId ${String(requestId)} is not the response's request id`);
    delete error.extensions!['requestId'];
  }
}

/** Two gateways over one supergraph, one per executor: the stock reference and Tollgate's (with `tollgateOverrides`, e.g. its edge cache on). */
export async function startBothExecutors(
  supergraph: string,
  tollgateOverrides: Omit<GatewayConfigInput, 'supergraph' | 'executor'> = {},
): Promise<{ apollo: RunningGateway; tollgate: RunningGateway }> {
  const apollo = await startTestGateway(supergraph, { executor: 'apollo' });
  try {
    return { apollo, tollgate: await startTestGateway(supergraph, { ...tollgateOverrides, executor: 'tollgate' }) };
  } catch (error) {
    await apollo.stop();
    throw error;
  }
}

/** A gateway whose pino lines are kept, parsed, for tests that read the logs. */
export interface LoggedGateway {
  gateway: RunningGateway;
  /** Every log line so far, parsed (access log, warnings, errors). */
  logs: Array<Record<string, any>>;
  stop(): Promise<void>;
}

/**
 * Starts a real gateway on 127.0.0.1:0 over a supergraph SDL (written to a temp file, which a test
 * may replace: `file`) with its log at info level captured in `logs`.
 */
export async function startLoggedGateway(
  supergraphSdl: string,
  overrides: Omit<GatewayConfigInput, 'supergraph'> = {},
): Promise<LoggedGateway & { file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-logged-'));
  const file = join(dir, 'supergraph.graphql');
  await writeFile(file, supergraphSdl);
  const logs: Array<Record<string, any>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const config = defaultConfig({ ...overrides, server: { listen: '127.0.0.1:0', ...overrides.server }, supergraph: { file } });
  const gateway = await startGateway(config, { logger: pino({ level: 'info' }, sink) });
  return {
    gateway,
    logs,
    file,
    async stop() {
      await gateway.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
