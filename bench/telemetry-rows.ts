// Issue 12's bench rows. The plain `tollgate` row runs the defaults: Prometheus metrics and the
// access log on (nothing scrapes during a run; the log lines go to the harness's pipe).
// `tollgate+telemetry-off` turns both off, so the two rows of one run price them; the tracing rows
// add OpenTelemetry at 100% and 1% sampling.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeRowConfig } from './lib/row-config.ts';
import type { PrepareContext, Prepared } from './rows.ts';

export async function prepareTelemetryOffRow(ctx: PrepareContext): Promise<Prepared> {
  return { args: ['--config', await writeRowConfig(ctx, 'telemetry-off', ['telemetry: { logging: { access_log: false }, metrics: { enabled: false } }'])] };
}

/**
 * `tollgate+tracing-100` / `tollgate+tracing-1`: the defaults plus OpenTelemetry tracing sampled
 * at `ratio`, exported over OTLP/HTTP to a sink in the harness's process on loopback that reads
 * each batch and answers 200 (what a collector does first), so export costs what it would.
 */
export function prepareTracingRow(ratio: number) {
  return async (ctx: PrepareContext): Promise<Prepared> => {
    const sink = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const { port } = sink.address() as AddressInfo;
    const file = await writeRowConfig(ctx, `tracing-${ratio}`, [
      `telemetry: { tracing: { enabled: true, otlp: { endpoint: "http://127.0.0.1:${port}/v1/traces" }, sampler: { ratio: ${ratio} } } }`,
    ]);
    return { args: ['--config', file], cleanup: () => new Promise<void>((resolve) => sink.close(() => resolve())) };
  };
}
