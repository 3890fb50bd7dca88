// Tollgate's executor beyond response equality: what it sends to subgraphs, the authorization
// hook (both executors), and the `executor` config key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError, print, visit, type DocumentNode } from 'graphql';
import pino from 'pino';
import { ConfigError } from '../../../gateway/src/core/config-errors.ts';
import { defaultConfig } from '../../../gateway/src/config/load.ts';
import { createFederationGateway, type OperationAuthorizer } from '../../../gateway/src/federation/gateway.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { createApolloServer } from '../../../gateway/src/federation/apollo-server.ts';
import { ValidatedDocumentStore } from '../../../gateway/src/document/stage.ts';
import type { RequestContext } from '../../../gateway/src/core/request-context.ts';
import { startMediaStack, type MediaStack } from '../../fixtures/executor/media.ts';
import { composeForTest, postGraphQL, startBothExecutors } from '../../support/gateway.ts';

const representationsSentFor = (stack: MediaStack, from: number) =>
  stack.subgraphs.people.requests.slice(from).flatMap((r) => (r.variables?.['representations'] as unknown[] | undefined) ?? []);

describe('Tollgate executor', () => {
  let stack: MediaStack;
  let supergraph: string;
  let apollo: RunningGateway;
  let tollgate: RunningGateway;

  before(async () => {
    stack = await startMediaStack();
    supergraph = composeForTest(stack.services);
    ({ apollo, tollgate } = await startBothExecutors(supergraph));
  });

  after(async () => {
    await apollo?.stop();
    await tollgate?.stop();
    await stack?.stop();
  });

  test('sends identical representations once and answers every entity', async () => {
    // search("") lists a1..a4, then a1, a4, a1, a4 again: 8 people, 4 distinct.
    const query = { query: '{ search(term: "") { ... on Person { id name } } }' };
    let from = stack.subgraphs.people.requests.length;
    const expected = await postGraphQL(apollo.url, query);
    assert.equal(representationsSentFor(stack, from).length, 8);

    from = stack.subgraphs.people.requests.length;
    const actual = await postGraphQL(tollgate.url, query);
    const sent = representationsSentFor(stack, from);
    assert.deepEqual(sent, [
      { __typename: 'Person', id: 'a1' },
      { __typename: 'Person', id: 'a2' },
      { __typename: 'Person', id: 'a3' },
      { __typename: 'Person', id: 'a4' },
    ]);
    assert.deepEqual(actual.body, expected.body);
    const names = actual.body.data.search.filter((r: { id?: string }) => r.id).map((r: { name: string }) => r.name);
    assert.equal(names.length, 8);
    assert.equal(names[4], 'Frank Herbert');
  });

  test('the subgraph gets the same operation text as from Apollo, variables included', async () => {
    const query = { query: 'query ($id: ID!) { person(id: $id) { name friends { name } } }', variables: { id: 'a2' } };
    let from = stack.subgraphs.people.requests.length;
    await postGraphQL(apollo.url, query);
    const byApollo = stack.subgraphs.people.requests.slice(from);
    from = stack.subgraphs.people.requests.length;
    await postGraphQL(tollgate.url, query);
    const byTollgate = stack.subgraphs.people.requests.slice(from);
    assert.deepEqual(byTollgate, byApollo);
    assert.deepEqual(byTollgate[0]?.variables, { id: 'a2' });
  });

  describe('authorization hook, the same in both executors', () => {
    // Drops every `secret` field before planning, reports it and puts it back as null.
    const calls: string[] = [];
    const authorize: OperationAuthorizer = (request) => {
      const source = print(request.document!);
      calls.push(source);
      if (!source.includes('secret')) return undefined;
      const document = visit(request.document!, {
        Field: (node) => (node.name.value === 'secret' ? null : undefined),
      }) as DocumentNode;
      const forbidden = new GraphQLError('secret is not yours to read', { extensions: { code: 'FORBIDDEN' } });
      return {
        document,
        cacheKey: `no-secret:${print(document)}`,
        // Puts the removed field back as null and appends the error.
        complete: ({ data, errors }) => ({
          data: data?.['person'] ? { ...data, person: { ...(data['person'] as object), secret: null } } : data,
          errors: [...(errors ?? []), forbidden],
        }),
      };
    };

    async function run(executor: 'apollo' | 'tollgate', query: string) {
      const config = defaultConfig({ supergraph: { file: 'unused.graphql' }, executor, telemetry: { logging: { level: 'silent' } } });
      const logger = pino({ level: 'silent' });
      const federation = createFederationGateway(supergraph, config, logger, { authorize });
      const server = createApolloServer(federation.gateway, { introspection: true, debug: false, documentStore: new ValidatedDocumentStore(), suggestions: true }, logger);
      await server.start();
      try {
        const contextValue: RequestContext = { requestId: 'r', identity: undefined, profile: 'anonymous', subgraph: { requestId: 'r', headersFor: () => ({}) } };
        const answers = [];
        for (let i = 0; i < 2; i++) {
          const response = await server.executeOperation({ query }, { contextValue });
          assert.equal(response.body.kind, 'single');
          answers.push(JSON.parse(JSON.stringify(response.body.singleResult)));
        }
        assert.deepEqual(answers[1], answers[0], 'a cached plan answers the same');
        return answers[0];
      } finally {
        await server.stop();
        await federation.close();
      }
    }

    test('runs the returned document, completes its data and appends its errors', async () => {
      const query = '{ person(id: "a1") { name secret born } }';
      const from = stack.subgraphs.people.requests.length;
      const viaApollo = await run('apollo', query);
      const viaTollgate = await run('tollgate', query);
      assert.deepEqual(viaTollgate, viaApollo);
      assert.deepEqual(viaTollgate.data, { person: { name: 'Frank Herbert', born: 1920, secret: null } });
      assert.deepEqual(viaTollgate.errors, [{ message: 'secret is not yours to read', extensions: { code: 'FORBIDDEN' } }]);
      // The secret never left the gateway.
      const sent = stack.subgraphs.people.requests.slice(from);
      assert.equal(sent.length, 4);
      assert.ok(sent.every((r) => !r.query.includes('secret')));
    });

    test('an undefined answer leaves the operation alone', async () => {
      const before = calls.length;
      const viaTollgate = await run('tollgate', '{ person(id: "a2") { name } }');
      const viaApollo = await run('apollo', '{ person(id: "a2") { name } }');
      assert.deepEqual(viaTollgate, { data: { person: { name: 'William Gibson' } } });
      assert.deepEqual(viaApollo, viaTollgate);
      assert.equal(calls.length - before, 4, 'called once per request');
    });
  });
});

describe('executor config', () => {
  test('defaults to tollgate, accepts apollo, names the key of a wrong value', () => {
    assert.equal(defaultConfig({ supergraph: { file: 'x' } }).executor, 'tollgate');
    assert.equal(defaultConfig({ supergraph: { file: 'x' }, executor: 'apollo' }).executor, 'apollo');
    assert.throws(
      () => defaultConfig({ supergraph: { file: 'x' }, executor: 'fast' as never }),
      (error: unknown) => error instanceof ConfigError && /executor:/.test(error.message),
    );
  });
});
