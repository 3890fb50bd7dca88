import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, validate, type GraphQLFieldResolver } from 'graphql';
import { stopServer } from './servers.ts';

export interface FixtureSubgraph {
  url: string;
  /** Headers of every request received, oldest first. */
  received: IncomingHttpHeaders[];
  /** Changes how the next requests are answered. */
  behave(behaviour: Behaviour): void;
  stop(): Promise<void>;
}

export type Behaviour =
  | { kind: 'normal' }
  | { kind: 'hang' } // never answers: for timeouts
  | { kind: 'status'; status: number; body: string; contentType?: string };

/**
 * A tiny real subgraph for gateway tests whose behaviour a test can switch (normal, hanging,
 * broken HTTP). The demo's subgraphs in subgraphs/ are the realistic ones.
 */
export async function startFixtureSubgraph(
  typeDefs: string,
  resolvers: Record<string, Record<string, GraphQLFieldResolver<unknown, unknown>>>,
): Promise<FixtureSubgraph> {
  const schema = buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never });
  const received: IncomingHttpHeaders[] = [];
  let behaviour: Behaviour = { kind: 'normal' };
  const server: Server = createServer(async (req, res) => {
    received.push(req.headers);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'status') {
      res.writeHead(behaviour.status, { 'content-type': behaviour.contentType ?? 'text/plain' });
      res.end(behaviour.body);
      return;
    }
    const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const document = parse(query);
    const errors = validate(schema, document);
    const result = errors.length > 0 ? { errors } : await execute({ schema, document, variableValues: variables, operationName, contextValue: { headers: req.headers } });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(result));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    received,
    behave(next) {
      behaviour = next;
    },
    stop: () => stopServer(server),
  };
}
