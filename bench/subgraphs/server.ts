// A deliberately minimal GraphQL-over-HTTP server for benchmark subgraphs: node:http, parse +
// validate cached per query string, and (by default) whole responses cached per request body,
// since the data is fixed. It should cost the gateway under test as little CPU as possible.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';

export interface SubgraphServerOptions {
  /** Cache serialized responses by raw request body (data is fixed). Default: true. */
  responseCache?: boolean;
}

const MAX_CACHE_ENTRIES = 1024;

// HTTP requests received by every subgraph server of this process, for the harness's "subgraph
// requests per client request" column: one integer increment per request, read over IPC (main.ts).
let requestsReceived = 0;

/** Requests received so far by all subgraph servers started in this process. */
export function subgraphRequestsReceived(): number {
  return requestsReceived;
}

export async function startSubgraphServer(
  schema: GraphQLSchema,
  options: SubgraphServerOptions = {},
): Promise<{ url: string; server: Server }> {
  const useResponseCache = options.responseCache ?? true;
  const documents = new Map<string, DocumentNode | string>();
  const responses = new Map<string, string>();

  function document(query: string): DocumentNode | string {
    let doc = documents.get(query);
    if (doc === undefined) {
      try {
        const parsed = parse(query);
        const errors = validate(schema, parsed);
        doc = errors.length > 0 ? JSON.stringify({ errors }) : parsed;
      } catch (err) {
        doc = JSON.stringify({ errors: [{ message: (err as Error).message }] });
      }
      if (documents.size < MAX_CACHE_ENTRIES) documents.set(query, doc);
    }
    return doc;
  }

  async function respond(raw: string): Promise<string> {
    const cached = useResponseCache ? responses.get(raw) : undefined;
    if (cached !== undefined) return cached;
    const request = JSON.parse(raw) as {
      query?: string;
      variables?: Record<string, unknown>;
      operationName?: string;
    };
    const doc = document(request.query ?? '');
    if (typeof doc === 'string') return doc; // validation errors, already serialized
    const result = await execute({
      schema,
      document: doc,
      variableValues: request.variables ?? null,
      operationName: request.operationName ?? null,
    });
    const body = JSON.stringify(result);
    if (useResponseCache && !result.errors && responses.size < MAX_CACHE_ENTRIES) {
      responses.set(raw, body);
    }
    return body;
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requestsReceived++;
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      respond(Buffer.concat(chunks).toString('utf8')).then(
        (body) => {
          res.writeHead(200, { 'content-type': 'application/json' }).end(body);
        },
        (err: unknown) => {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: String(err) }] }));
        },
      );
    });
  });
  // Gateways pool keep-alive sockets; don't let the server drop them between warm-up and run.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, server };
}
