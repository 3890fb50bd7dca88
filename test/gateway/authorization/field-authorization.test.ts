import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError, parse, print, type DocumentNode } from 'graphql';
import { createOperationAuthorizer, type FieldAuthorization } from '../../../gateway/src/authorization/authorizer.ts';
import { fillUnauthorizedNulls } from '../../../gateway/src/authorization/complete.ts';
import { supergraphForExecutor } from '../../../gateway/src/authorization/index.ts';
import type { Identity } from '../../../gateway/src/core/identity.ts';
import { composeForTest } from '../../support/gateway.ts';

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes"])';
const SDL = `${FED}
type Query {
  me: User @authenticated
  user(id: ID!): User
  users: [User!]!
  orders: [Order!] @requiresScopes(scopes: [["orders:read"], ["admin"]])
  pub: String
  node: Node
  search: [SearchResult!]!
}
type User @key(fields: "id") {
  id: ID!
  name: String!
  email: String! @requiresScopes(scopes: [["email"]])
  phone: String @requiresScopes(scopes: [["pii", "phone"]])
}
type Order @authenticated { id: ID! total: Int }
interface Node { id: ID! }
type Secret implements Node @requiresScopes(scopes: [["secret"]]) { id: ID! code: String }
type Public implements Node { id: ID! label: String }
union SearchResult = Secret | Public
`;
const supergraph = composeForTest([{ name: 'a', routingUrl: 'http://127.0.0.1:1/graphql', sdl: SDL }]);
const authorize = createOperationAuthorizer(parse(supergraph));

function caller(...scopes: string[]): Identity {
  return { method: 'jwt', subject: 'u1', clientId: undefined, scopes: new Set(scopes), profile: undefined, claims: {} };
}

function run(query: string | DocumentNode, identity: Identity | undefined, operationName?: string): FieldAuthorization | undefined {
  const document = typeof query === 'string' ? parse(query) : query;
  return authorize({ document, operationName, identity });
}

const compact = (document: DocumentNode) => print(document).replace(/\s+/g, ' ').trim();
const paths = (result: FieldAuthorization | undefined) => result?.errors.map((error) => error.path);

describe('field-level authorization (@authenticated, @requiresScopes)', () => {
  test('nothing to remove → undefined (run the operation as it is)', () => {
    assert.equal(run('{ pub user(id: "1") { id name } }', undefined), undefined);
    assert.equal(run('{ me { id email } }', caller('email')), undefined);
  });

  test('anonymous: an @authenticated field is removed and reported FORBIDDEN at its path', () => {
    const result = run('{ pub me { id name } }', undefined);
    assert.ok(result);
    assert.equal(compact(result.document), '{ pub }');
    assert.deepEqual(paths(result), [['me']]);
    assert.equal(result.errors[0]?.message, 'Unauthorized field or type');
    assert.deepEqual(result.errors[0]?.extensions, { code: 'FORBIDDEN' });
    assert.deepEqual(result.nullPaths, [['me']]);
  });

  test('@requiresScopes on fields: AND inside a set, OR across sets; aliases are the path', () => {
    const query = '{ user(id: "1") { id name mail: email phone } }';
    const none = run(query, caller());
    assert.equal(compact(none!.document), '{ user(id: "1") { id name } }');
    assert.deepEqual(paths(none), [['user', 'mail'], ['user', 'phone']]);
    // email is String!: its null propagates to user; phone is nullable.
    assert.deepEqual(none!.nullPaths, [['user'], ['user', 'phone']]);

    assert.deepEqual(paths(run(query, caller('email', 'pii'))), [['user', 'phone']], 'pii alone is not pii AND phone');
    assert.equal(run(query, caller('email', 'pii', 'phone')), undefined);

    assert.deepEqual(paths(run('{ orders { id } }', caller())), [['orders']]);
    assert.equal(run('{ orders { id } }', caller('orders:read')), undefined);
    assert.equal(run('{ orders { id } }', caller('admin')), undefined);
  });

  test('@authenticated on a type protects every field returning it', () => {
    assert.deepEqual(paths(run('{ pub orders { id } }', undefined)), [['orders']]);
  });

  test('lists: `@` stands for every item; non-null items propagate the null upwards', () => {
    const result = run('{ pub users { id email } }', caller());
    assert.deepEqual(paths(result), [['users', '@', 'email']]);
    assert.deepEqual(result!.nullPaths, [[]], 'email! in [User!]! nulls data itself');
  });

  test('a selection set left empty removes its parent field too (reported at the child)', () => {
    const result = run('{ pub me { email } }', caller());
    assert.equal(compact(result!.document), '{ pub }');
    assert.deepEqual(paths(result), [['me', 'email']]);
    assert.deepEqual(result!.nullPaths, [['me']]);
  });

  test('every root field removed → a placeholder document, empty: true, data of nulls', () => {
    const result = run('{ me { id } }', undefined);
    assert.equal(result!.empty, true);
    assert.equal(compact(result!.document), '{ __tollgate_unauthorized: __typename }');
    assert.deepEqual(fillUnauthorizedNulls({ __tollgate_unauthorized: 'Query' }, result!), { me: null });
  });

  test('named fragments are filtered once and reported at every place they are spread', () => {
    const result = run('query Q { me { ...U } user(id: "2") { ...U } } fragment U on User { id email }', caller());
    assert.equal(compact(result!.document), 'query Q { me { ...U } user(id: "2") { ...U } } fragment U on User { id }');
    assert.deepEqual(paths(result), [['me', 'email'], ['user', 'email']]);
  });

  test('a fragment whose type condition is unauthorized is removed; abstract fields need every implementation', () => {
    const secret = run('{ search { __typename ... on Secret { code } ... on Public { label } } }', caller());
    assert.equal(compact(secret!.document), '{ search { __typename ... on Public { label } } }');
    assert.deepEqual(paths(secret), [['search', '@']]);
    assert.deepEqual(secret!.nullPaths, [], 'a removed fragment nulls nothing');
    // Node carries Secret's requirement (composition propagates it to the interface).
    assert.deepEqual(paths(run('{ pub node { id } }', caller())), [['node']]);
    assert.equal(run('{ node { id } }', caller('secret')), undefined);
  });

  test('variables only removed fields used are dropped; unused fragments too', () => {
    const result = run('query Q($show: Boolean!) { pub me @include(if: $show) { ...U } } fragment U on User { id }', undefined, 'Q');
    assert.equal(compact(result!.document), 'query Q { pub }');
  });

  test('the operation is chosen by operationName', () => {
    const document = parse('query A { pub } query B { me { id } }');
    assert.equal(run(document, undefined, 'A'), undefined);
    assert.deepEqual(paths(run(document, undefined, 'B')), [['me']]);
  });

  test('cached per document and authentication class: same result object for equal classes', () => {
    const document = parse('{ pub user(id: "1") { email phone } }');
    const first = run(document, caller('unrelated-scope'));
    assert.equal(run(document, caller()), first, 'scopes the supergraph never names do not split the cache');
    assert.equal(first?.cacheKey, run(document, caller('x'))?.cacheKey);
    const withEmail = run(document, caller('email'));
    assert.notEqual(withEmail, first);
    assert.notEqual(withEmail?.cacheKey, first?.cacheKey);
    assert.equal(run(document, undefined)?.cacheKey, first?.cacheKey, 'same filtered document, same key');
    const other = run('{ again: pub user(id: "9") { email } }', caller());
    assert.notEqual(other?.cacheKey, first?.cacheKey, 'the key identifies the filtered document, not only the class');
  });

  test('fillUnauthorizedNulls writes nulls where removed fields were, with propagation', () => {
    const result = run('{ pub user(id: "1") { id name phone } users { id phone } }', caller())!;
    const data = fillUnauthorizedNulls({ pub: 'p', user: { id: '1', name: 'A' }, users: [{ id: '1' }, { id: '2' }] }, result);
    assert.deepEqual(data, { pub: 'p', user: { id: '1', name: 'A', phone: null }, users: [{ id: '1', phone: null }, { id: '2', phone: null }] });
    const propagated = run('{ pub user(id: "1") { id email } }', caller())!;
    assert.deepEqual(fillUnauthorizedNulls({ pub: 'p', user: { id: '1' } }, propagated), { pub: 'p', user: null });
  });

  test('complete(): nulls written, placeholder dropped, FORBIDDEN errors after the executor\'s', () => {
    const executorError = new GraphQLError('subgraph failed');
    const result = run('{ pub user(id: "1") { id phone } }', caller())!;
    const completed = result.complete({ data: { pub: 'p', user: { id: '1' } }, errors: [executorError] });
    assert.deepEqual(completed.data, { pub: 'p', user: { id: '1', phone: null } });
    assert.deepEqual(completed.errors?.map((error) => error.message), ['subgraph failed', 'Unauthorized field or type']);
    const emptied = run('{ me { id } }', undefined)!;
    assert.deepEqual(emptied.complete({ data: { __tollgate_unauthorized: 'Query' } }).data, { me: null });
    assert.equal(emptied.complete({ errors: [executorError] }).data, undefined, 'no data: only the errors are added');
  });

  test('directive names come from the supergraph\'s @link (`as:` renames them)', () => {
    const renamed = parse(`
      schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "signedIn", for: SECURITY) { query: Query }
      directive @signedIn on FIELD_DEFINITION | OBJECT
      type Query { pub: String secret: String @signedIn }`);
    const result = createOperationAuthorizer(renamed)({ document: parse('{ pub secret }'), operationName: undefined, identity: undefined });
    assert.deepEqual(paths(result), [['secret']]);
  });

  test('supergraphForExecutor drops `for: SECURITY` from these two links only', () => {
    const links = [
      '@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)',
      '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", as: "scopes", for: SECURITY)',
      '@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
    ].join(' ');
    assert.equal(
      supergraphForExecutor(links),
      '@link(url: "https://specs.apollo.dev/authenticated/v0.1") @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", as: "scopes") @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
    );
  });

  test('a supergraph without the directives never filters', () => {
    const plain = composeForTest([{ name: 'a', routingUrl: 'http://127.0.0.1:1/graphql', sdl: 'type Query { a: String }' }]);
    const authorizePlain = createOperationAuthorizer(parse(plain));
    assert.equal(authorizePlain({ document: parse('{ a }'), operationName: undefined, identity: undefined }), undefined);
  });
});
