// Shared pieces of the tracing tests: two fixture subgraphs joined by an entity (so a query makes
// two fetches), a gateway tracing to an in-process OTLP receiver, and span look-ups.
import assert from 'node:assert/strict';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest } from '../../support/gateway.ts';
import type { ReceivedSpan } from '../../support/otlp-receiver.ts';

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';
export const PRODUCTS_SDL = `${FED}
  type Query { topProducts: [Product!]! }
  type Product @key(fields: "upc") { upc: ID! name: String! }`;
export const INVENTORY_SDL = `${FED}
  type Product @key(fields: "upc") { upc: ID! inStock: Boolean }`;

const products = [
  { upc: 'p1', name: 'Table' },
  { upc: 'p2', name: 'Chair' },
];

export const GET_PRODUCTS = 'query GetProducts { topProducts { upc name inStock } }';
export const GET_PRODUCTS_DATA = {
  topProducts: [
    { upc: 'p1', name: 'Table', inStock: true },
    { upc: 'p2', name: 'Chair', inStock: false },
  ],
};

export interface Subgraphs {
  products: FixtureSubgraph;
  inventory: FixtureSubgraph;
  supergraph: string;
  stop(): Promise<void>;
}

export async function startSubgraphs(): Promise<Subgraphs> {
  const productsSubgraph = await startFixtureSubgraph(PRODUCTS_SDL, {
    Query: { topProducts: () => products },
    Product: { __resolveReference: (ref: any) => products.find((p) => p.upc === ref.upc) },
  });
  const inventorySubgraph = await startFixtureSubgraph(INVENTORY_SDL, {
    Product: { __resolveReference: (ref: any) => ({ upc: ref.upc, inStock: ref.upc === 'p1' }) },
  });
  const supergraph = composeForTest([
    { name: 'products', routingUrl: productsSubgraph.url, sdl: PRODUCTS_SDL },
    { name: 'inventory', routingUrl: inventorySubgraph.url, sdl: INVENTORY_SDL },
  ]);
  return {
    products: productsSubgraph,
    inventory: inventorySubgraph,
    supergraph,
    async stop() {
      await productsSubgraph.stop();
      await inventorySubgraph.stop();
    },
  };
}

type TracingInput = NonNullable<NonNullable<GatewayConfigInput['telemetry']>['tracing']>;

/** `telemetry` with tracing to `endpoint`, batches sent after 20 ms (tests wait for spans, not for 5 s). */
export function tracingTelemetry(endpoint: string, tracing: TracingInput = {}, level: 'silent' | 'info' = 'silent'): GatewayConfigInput['telemetry'] {
  return {
    logging: { level },
    tracing: {
      enabled: true,
      service_name: 'tollgate-test',
      ...tracing,
      otlp: { endpoint, ...tracing.otlp },
      batch: { scheduled_delay_ms: 20, ...tracing.batch },
    },
  };
}

/** The server span of the request whose id was `requestId`. */
export function serverSpanOf(spans: readonly ReceivedSpan[], requestId: string): ReceivedSpan | undefined {
  return spans.find((s) => s.kind === 2 && s.attributes['tollgate.request_id'] === requestId);
}

/** The one span of `traceId` named `name` (fails when there is not exactly one). */
export function onlySpan(spans: readonly ReceivedSpan[], traceId: string, name: string): ReceivedSpan {
  const found = spans.filter((s) => s.traceId === traceId && s.name === name);
  assert.equal(found.length, 1, `exactly one span "${name}" in trace ${traceId}, found ${found.length}`);
  return found[0]!;
}

/** A W3C traceparent split in its parts. */
export function parseTraceparent(value: unknown): { version: string; traceId: string; parentId: string; flags: string } {
  assert.equal(typeof value, 'string', `a traceparent header, got ${String(value)}`);
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value as string);
  assert.ok(match, `a W3C traceparent: ${String(value)}`);
  return { version: match[1]!, traceId: match[2]!, parentId: match[3]!, flags: match[4]! };
}

/** Polls `check` (every 20 ms, at most `timeoutMs`) until it is true. */
export async function eventually(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) assert.fail(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The value of one sample in a /metrics text (exact label set), or undefined. */
export async function metricValue(port: number, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const wanted = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const prefix = wanted === '' ? `${name} ` : `${name}{${wanted}} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}
