import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSchema } from 'graphql';
import { startGraphQLServer, type RunningGraphQLServer } from '../../subgraphs/shared/http-server.ts';
import { post } from './graphql-client.ts';

// A tiny schema so these tests pin the server's protocol, not a subgraph's data.
const schema = buildSchema(`type Query { hello(name: String): String, who: String, boom: String }`);
let contextsCreated = 0;

describe('subgraph HTTP server', () => {
  let server: RunningGraphQLServer;

  before(async () => {
    server = await startGraphQLServer({
      schema,
      maxBodyBytes: 1000,
      createContext: (req) => {
        contextsCreated += 1;
        return { sub: req.headers['x-tollgate-sub'] };
      },
    });
    const root = {
      hello: ({ name }: { name?: string }) => `hello ${name ?? 'world'}`,
      who: (_args: unknown, ctx: { sub?: string }) => ctx.sub ?? null,
      boom: () => {
        throw new Error('kaput');
      },
    };
    // buildSchema has no resolvers; default field resolution reads them off rootValue, so wrap.
    for (const [name, fn] of Object.entries(root)) schema.getQueryType()!.getFields()[name]!.resolve = (_s, args, ctx) => (fn as any)(args, ctx);
  });
  after(() => server.stop());

  it('executes a query with variables and operationName', async () => {
    const reply = await post(server.url, 'query A($n: String) { hello(name: $n) } query B { hello }', { n: 'tollgate' });
    assert.equal(reply.status, 200);
    assert.ok(reply.body.errors?.length, 'two operations without operationName is an error');
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query A($n: String) { hello(name: $n) } query B { hello }', variables: { n: 'tollgate' }, operationName: 'A' }),
    });
    assert.deepEqual(await res.json(), { data: { hello: 'hello tollgate' } });
  });

  it('gives each request a fresh context with its headers', async () => {
    const before = contextsCreated;
    const a = await post(server.url, '{ who }', undefined, { 'x-tollgate-sub': 'u1' });
    const b = await post(server.url, '{ who }');
    assert.deepEqual(a.body, { data: { who: 'u1' } });
    assert.deepEqual(b.body, { data: { who: null } });
    assert.equal(contextsCreated - before, 2);
  });

  it('answers syntax and validation errors as GraphQL error JSON', async () => {
    for (const query of ['{ hello', '{ nope }']) {
      // Twice: the second answer comes from the document cache and must be the same.
      const first = await post(server.url, query);
      const second = await post(server.url, query);
      assert.equal(first.status, 200);
      assert.equal(first.body.data, undefined);
      assert.ok(first.body.errors?.[0]?.message, `an error message for ${query}`);
      assert.deepEqual(second.body, first.body);
    }
  });

  it('reports a resolver error in errors next to partial data', async () => {
    const reply = await post(server.url, '{ hello boom }');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.data, { hello: 'hello world', boom: null });
    assert.equal(reply.body.errors?.[0]?.message, 'kaput');
  });

  it('rejects unusable HTTP requests with a status and an errors array', async () => {
    const cases: Array<[RequestInit & { path?: string }, number]> = [
      [{ method: 'POST', body: 'not json' }, 400],
      [{ method: 'POST', body: '[]' }, 400],
      [{ method: 'POST', body: '{"query": 42}' }, 400],
      [{ method: 'POST', body: '{"query": "{ hello }", "variables": [1]}' }, 400],
      [{ method: 'POST', body: JSON.stringify({ query: `{ hello(name: "${'x'.repeat(2000)}") }` }) }, 413],
      [{ method: 'GET' }, 405],
      [{ method: 'POST', body: '{"query": "{ hello }"}', path: '/other' }, 404],
    ];
    for (const [{ path, ...init }, status] of cases) {
      const res = await fetch(path ? new URL(path, server.url) : server.url, { ...init, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, status, `${init.method} ${path ?? ''} ${String(init.body).slice(0, 40)}`);
      const body = (await res.json()) as { errors?: Array<{ message: string }> };
      assert.ok(body.errors?.[0]?.message);
    }
    // Still serving after all that.
    assert.deepEqual((await post(server.url, '{ hello }')).body, { data: { hello: 'hello world' } });
  });
});
