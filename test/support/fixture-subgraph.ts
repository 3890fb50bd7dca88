import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, validate, type GraphQLFieldResolver } from 'graphql';
import { stopServer } from './servers.ts';

export interface FixtureSubgraph {
  url: string;
  /** Headers of every request received, oldest first. */
  received: IncomingHttpHeaders[];
  /** The body of every request received (parsed JSON; undefined when it was not), oldest first. */
  bodies: unknown[];
  /** Requests whose connection the caller closed before they were answered (e.g. a cancelled hang). */
  readonly closedUnanswered: number;
  /** Connections open now. */
  readonly openConnections: number;
  /** Changes how the next requests are answered. */
  behave(behaviour: Behaviour): void;
  /** The next requests get these, one each in order, before the standing behaviour applies again. */
  next(...behaviours: Behaviour[]): void;
  /** Answers every request held by `{ kind: 'held' }` (and lets the following ones through). */
  release(): void;
  stop(): Promise<void>;
}

export type Behaviour =
  | { kind: 'normal'; encoding?: 'gzip' | 'br' } // `encoding`: compressed when the request accepts it
  | { kind: 'hang' } // never answers: for timeouts
  | { kind: 'status'; status: number; body: string | Buffer; contentType?: string; headers?: Record<string, string> }
  | { kind: 'destroy' } // reads the request, then cuts the connection without an answer
  | { kind: 'held' }; // answers normally once release() is called

export interface FixtureOptions {
  /** Listen on this port (e.g. to restart a stopped subgraph where it was); default any free one. */
  port?: number;
}

/**
 * A tiny real subgraph for gateway tests whose behaviour a test can switch (normal, hanging,
 * broken HTTP). The demo's subgraphs in subgraphs/ are the realistic ones.
 */
export async function startFixtureSubgraph(
  typeDefs: string,
  resolvers: Record<string, Record<string, GraphQLFieldResolver<unknown, unknown>>>,
  options: FixtureOptions = {},
): Promise<FixtureSubgraph> {
  const schema = buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never });
  const received: IncomingHttpHeaders[] = [];
  const bodies: unknown[] = [];
  let standing: Behaviour = { kind: 'normal' };
  const queued: Behaviour[] = [];
  let held: Array<() => void> = [];
  let released = false;
  let closedUnanswered = 0;
  let openConnections = 0;
  const server: Server = createServer(async (req, res) => {
    received.push(req.headers);
    res.once('close', () => {
      if (!res.writableFinished) closedUnanswered++;
    });
    const behaviour = queued.shift() ?? standing;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch {
      bodies.push(undefined);
    }
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'destroy') {
      req.socket.destroy();
      return;
    }
    if (behaviour.kind === 'held' && !released) await new Promise<void>((resolve) => held.push(resolve));
    if (behaviour.kind === 'status') {
      res.writeHead(behaviour.status, { 'content-type': behaviour.contentType ?? 'text/plain', ...behaviour.headers });
      res.end(behaviour.body);
      return;
    }
    const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const document = parse(query);
    const errors = validate(schema, document);
    const result = errors.length > 0 ? { errors } : await execute({ schema, document, variableValues: variables, operationName, contextValue: { headers: req.headers } });
    const json = JSON.stringify(result);
    const encoding = behaviour.kind === 'normal' ? behaviour.encoding : undefined;
    if (encoding && String(req.headers['accept-encoding'] ?? '').includes(encoding)) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      res.end(encoding === 'gzip' ? gzipSync(json) : brotliCompressSync(json));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(json);
  });
  server.on('connection', (socket) => {
    openConnections++;
    socket.once('close', () => openConnections--);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    received,
    bodies,
    get closedUnanswered() {
      return closedUnanswered;
    },
    get openConnections() {
      return openConnections;
    },
    behave(next) {
      standing = next;
      released = false;
    },
    next(...behaviours) {
      queued.push(...behaviours);
    },
    release() {
      released = true;
      const waiting = held;
      held = [];
      for (const resolve of waiting) resolve();
    },
    stop: () => stopServer(server),
  };
}
