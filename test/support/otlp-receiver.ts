// An in-process OTLP/HTTP (JSON) trace receiver on 127.0.0.1 for tracing tests: collects each
// ExportTraceServiceRequest body and flattens its spans; can be told to answer 500, to hang, to
// answer garbage, or be stopped (a collector that is down).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopServer } from './servers.ts';

/** Most bytes one export body may have here (a bound for the test receiver itself). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export type ReceiverBehaviour =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; body?: string | Buffer; contentType?: string }
  | { kind: 'hang' } // reads the body, never answers
  | { kind: 'garbage'; status: number }; // random bytes as application/json

/** An OTLP attribute value, decoded. */
export type AttributeValue = string | number | boolean | AttributeValue[] | undefined;

/** One span as the tests read it: ids in hex, kind and status as OTLP numbers, attributes decoded. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, AttributeValue>;
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  links: Array<{ traceId: string; spanId: string; attributes: Record<string, AttributeValue> }>;
  traceState: string;
  flags: number | undefined;
  /** The resource's attributes (service.name, ...). */
  resource: Record<string, AttributeValue>;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;
export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

export interface OtlpReceiver {
  /** e.g. http://127.0.0.1:PORT/v1/traces */
  url: string;
  port: number;
  /** Requests received (bodies decoded), whatever was answered. */
  readonly requests: Array<{ headers: IncomingHttpHeaders; body: unknown }>;
  /** Every span of every request answered 2xx with the 'ok' behaviour. */
  readonly spans: ReceivedSpan[];
  /** Connections open now (a hanging export holds one). */
  readonly openConnections: number;
  behave(behaviour: ReceiverBehaviour): void;
  /** Waits (polling, at most `timeoutMs`) until `predicate(spans)` holds; throws with what was received if it never does. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Waits until at least `count` export requests came in. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startOtlpReceiver(options: { port?: number } = {}): Promise<OtlpReceiver> {
  const requests: OtlpReceiver['requests'] = [];
  const spans: ReceivedSpan[] = [];
  let behaviour: ReceiverBehaviour = { kind: 'ok' };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let raw = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = raw.toString('utf8');
    }
    requests.push({ headers: req.headers, body });
    const now = behaviour;
    if (now.kind === 'hang') return;
    if (now.kind === 'status') {
      res.writeHead(now.status, { 'content-type': now.contentType ?? 'application/json' });
      res.end(now.body ?? '{}');
      return;
    }
    if (now.kind === 'garbage') {
      res.writeHead(now.status, { 'content-type': 'application/json' });
      res.end(Buffer.from([0x7b, 0xff, 0x00, 0x13, 0x22, 0xfe, 0x5d, 0x7d, 0x0a, 0xc3]));
      return;
    }
    spans.push(...flatten(body));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"partialSuccess":{}}');
  });
  let openConnections = 0;
  server.on('connection', (socket) => {
    openConnections++;
    socket.once('close', () => openConnections--);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    port,
    requests,
    spans,
    get openConnections() {
      return openConnections;
    },
    behave(next) {
      behaviour = next;
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > until) {
          throw new Error(`the OTLP receiver never got the spans expected; it has ${spans.length}: ${spans.map((s) => `${s.name} (${s.spanId} <- ${s.parentSpanId || 'root'})`).join(', ')}`);
        }
        await sleep(20);
      }
      return spans;
    },
    async waitForRequests(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > until) throw new Error(`the OTLP receiver got ${requests.length} export requests, not ${count}`);
        await sleep(20);
      }
    },
    // Hanging requests are cut: the server closes with its connections.
    stop: () => stopServer(server),
  };
}

interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
interface OtlpAnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpAnyValue[] };
}

function decodeValue(value: OtlpAnyValue | undefined): AttributeValue {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

function decodeAttributes(attributes: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const decoded: Record<string, AttributeValue> = {};
  for (const { key, value } of attributes ?? []) decoded[key] = decodeValue(value);
  return decoded;
}

/** The spans of one ExportTraceServiceRequest (JSON encoding: ids in hex). */
export function flatten(body: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  const resourceSpans = (body as { resourceSpans?: unknown[] })?.resourceSpans;
  if (!Array.isArray(resourceSpans)) return out;
  for (const rs of resourceSpans as Array<{ resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: Array<{ spans?: any[] }> }>) {
    const resource = decodeAttributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        out.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          kind: span.kind,
          attributes: decodeAttributes(span.attributes),
          status: { code: span.status?.code ?? 0, ...(span.status?.message ? { message: span.status.message } : {}) },
          links: (span.links ?? []).map((link: any) => ({ traceId: link.traceId, spanId: link.spanId, attributes: decodeAttributes(link.attributes) })),
          traceState: span.traceState ?? '',
          flags: span.flags,
          resource,
          startTimeUnixNano: String(span.startTimeUnixNano),
          endTimeUnixNano: String(span.endTimeUnixNano),
        });
      }
    }
  }
  return out;
}

/** The spans of one trace as a tree, printed one per line (`name [kind]`, children indented), for assertions. */
export function spanTree(spans: readonly ReceivedSpan[], traceId: string): string[] {
  const inTrace = spans.filter((s) => s.traceId === traceId);
  const ids = new Set(inTrace.map((s) => s.spanId));
  const kinds: Record<number, string> = { 1: 'internal', 2: 'server', 3: 'client' };
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    const children = inTrace.filter((s) => (parent === '' ? s.parentSpanId === '' || !ids.has(s.parentSpanId) : s.parentSpanId === parent));
    // By start time, then end time (the SDK's start times are whole milliseconds), then name.
    children.sort((a, b) => compareNano(a.startTimeUnixNano, b.startTimeUnixNano) || compareNano(a.endTimeUnixNano, b.endTimeUnixNano) || a.name.localeCompare(b.name));
    for (const child of children) {
      lines.push(`${'  '.repeat(depth)}${child.name} [${kinds[child.kind] ?? child.kind}]`);
      walk(child.spanId, depth + 1);
    }
  };
  walk('', 0);
  return lines;
}

function compareNano(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
