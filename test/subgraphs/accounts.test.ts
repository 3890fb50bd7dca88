import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoBackendsAndSubgraphs, type DemoStack } from '../support/demo-stack.ts';
import { createAccountsSubgraph } from '../../subgraphs/accounts/index.ts';
import { startGraphQLServer } from '../../subgraphs/shared/http-server.ts';
import { entitiesQuery, post } from './graphql-client.ts';

describe('accounts subgraph', () => {
  let stack: DemoStack;
  let url: string;
  const usersApiCalls = () => stack.backends.calls.records.filter((r) => r.service === 'users-api');

  before(async () => {
    stack = await startDemoBackendsAndSubgraphs();
    url = stack.subgraphs.urls.accounts;
  });
  after(() => stack.stop());
  beforeEach(() => stack.backends.calls.clear());

  it('resolves several User references with one users-api call', async () => {
    const reps = ['u1', 'u2', 'u4', 'nobody'].map((id) => ({ __typename: 'User', id }));
    const reply = await post(url, entitiesQuery('User', 'id username email'), { reps });
    assert.equal(reply.body.errors, undefined);
    assert.deepEqual(reply.body.data._entities, [
      { __typename: 'User', id: 'u1', username: 'alice', email: 'alice@example.com' },
      { __typename: 'User', id: 'u2', username: 'bob', email: 'bob@example.com' },
      { __typename: 'User', id: 'u4', username: 'dave', email: 'dave@example.com' },
      null,
    ]);
    assert.deepEqual(usersApiCalls().map((r) => [r.method, r.keys]), [['GET /users', ['u1', 'u2', 'u4', 'nobody']]]);
  });

  it('batches user(id) and users(ids) in one request into one call', async () => {
    const reply = await post(url, '{ a: user(id: "u1") { name } b: user(id: "u3") { name } users(ids: ["u2", "zz", "u5"]) { id } }');
    assert.deepEqual(reply.body.data, {
      a: { name: 'Alice Liddell' },
      b: { name: 'Carol Danvers' },
      users: [{ id: 'u2' }, { id: 'u5' }],
    });
    assert.equal(usersApiCalls().length, 1);
  });

  it('me is the user named by x-tollgate-sub, null without it', async () => {
    const signedIn = await post(url, '{ me { id username } }', undefined, { 'x-tollgate-sub': 'u2' });
    assert.deepEqual(signedIn.body, { data: { me: { id: 'u2', username: 'bob' } } });
    const anonymous = await post(url, '{ me { id } }');
    assert.deepEqual(anonymous.body, { data: { me: null } });
    assert.equal(usersApiCalls().length, 1, 'an anonymous me needs no backend call');
  });

  it('answers _service { sdl } with the federation schema', async () => {
    const reply = await post(url, '{ _service { sdl } }');
    const sdl: string = reply.body.data._service.sdl;
    assert.match(sdl, /type User\s+@key\(fields: "id"\)/);
    assert.match(sdl, /me: User/);
  });

  it('answers a bad query with GraphQL error JSON and keeps serving', async () => {
    const bad = await post(url, '{ user(id: "u1") { password } }');
    assert.equal(bad.status, 200);
    assert.match(bad.body.errors?.[0]?.message ?? '', /password/);
    const good = await post(url, '{ user(id: "u1") { id } }');
    assert.deepEqual(good.body, { data: { user: { id: 'u1' } } });
  });

  it('turns an unreachable users-api into a field error, not a crash', async () => {
    // Port 1 on loopback refuses connections.
    const subgraph = createAccountsSubgraph({ usersApiUrl: 'http://127.0.0.1:1' });
    const server = await startGraphQLServer({ schema: subgraph.schema, createContext: subgraph.createContext });
    try {
      const reply = await post(server.url, '{ user(id: "u1") { id } }');
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body.data, { user: null });
      assert.ok(reply.body.errors?.[0]?.message);
    } finally {
      await server.stop();
      subgraph.close();
    }
  });
});
