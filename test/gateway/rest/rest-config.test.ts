// `rest_endpoints` is checked at start-up against the trusted documents and the supergraph: every
// refusal names the key to change. A reload whose supergraph breaks an endpoint is refused and the
// last good graph keeps serving; the access log tells a REST request by its path.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../../gateway/src/core/config-errors.ts';
import { defaultConfig } from '../../../gateway/src/config/load.ts';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { startLoggedGateway, type LoggedGateway } from '../../support/gateway.ts';
import { CACHE_CONTROL_LINK, get, shopSupergraph, startShopGateway, startShopSubgraph, writeManifest } from './helpers.ts';

describe('rest_endpoints refused at start-up, naming the key', () => {
  let subgraph: FixtureSubgraph;
  before(async () => {
    subgraph = await startShopSubgraph();
  });
  after(async () => {
    await subgraph?.stop();
  });

  const refusals: Array<[string, Record<string, unknown>, RegExp]> = [
    ['an unknown document id', { '/x': { document_id: 'nope' } }, /^rest_endpoints\.endpoints\.\/x\.document_id: no trusted document has the id nope/],
    ['a binding to no variable', { '/x': { document_id: 'item', parameters: { key: 'nope' } } }, /^rest_endpoints\.endpoints\.\/x\.parameters\.key: the operation has no variable \$nope \(it has \$id\)/],
    ['an input-object variable', { '/x': { document_id: 'search' } }, /^rest_endpoints\.endpoints\.\/x: \$filter is an input object \(Filter\), which REST endpoints do not support/],
    ['a list of lists', { '/x': { document_id: 'matrix' } }, /^rest_endpoints\.endpoints\.\/x: \$rows is a list of lists/],
    ['a mutation', { '/x': { document_id: 'touch' } }, /^rest_endpoints\.endpoints\.\/x: Touch is a mutation; REST endpoints \(GET\) run queries only/],
    ['several operations, none named', { '/x': { document_id: 'two' } }, /^rest_endpoints\.endpoints\.\/x: the document has several operations \(First, Second\): set operation_name/],
    ['an unknown operation name', { '/x': { document_id: 'two', operation_name: 'Third' } }, /^rest_endpoints\.endpoints\.\/x\.operation_name: the document has no operation Third/],
    ['a response path the selection lacks', { '/x': { document_id: 'item', response_path: 'item.price' } }, /^rest_endpoints\.endpoints\.\/x\.response_path: item has no price \(it has id, name\)/],
    ['a response path through a list', { '/x': { document_id: 'items', response_path: 'items.id' } }, /^rest_endpoints\.endpoints\.\/x\.response_path: items has no id \(it is not an object\)/],
  ];
  for (const [name, endpoints, message] of refusals) {
    test(name, async () => {
      await assert.rejects(startShopGateway(subgraph, { rest_endpoints: { endpoints: endpoints as never } }), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }

  test('paths the listener already answers, bad paths and unknown keys fail config validation', () => {
    const invalid = (rest: Record<string, unknown>, extra: Record<string, unknown> = {}) => () => defaultConfig({ supergraph: { file: 'x.graphql' }, rest_endpoints: rest, ...extra } as never);
    assert.throws(invalid({ endpoints: { '/graphql': { document_id: 'a' } } }), /rest_endpoints\.endpoints\.\/graphql: the same path as server\.graphql_path/);
    assert.throws(invalid({ endpoints: { '/a': { document_id: 'a' } }, openapi: { path: '/metrics' } }), /rest_endpoints\.openapi\.path: the same path as telemetry\.metrics\.path/);
    assert.throws(invalid({ endpoints: { '/a': { document_id: 'a' } }, openapi: { path: '/a' } }), /rest_endpoints\.openapi\.path: the same path as the endpoint/);
    assert.throws(invalid({ endpoints: { 'api/home': { document_id: 'a' } } }), /rest_endpoints\.endpoints\.api\/home: expected a path like \/api\/v1\/home/);
    assert.throws(invalid({ endpoints: { '/a/{id}': { document_id: 'a' } } }), /expected a path like/);
    assert.throws(invalid({ endpoints: { '/a': { document_id: 'a', params: {} } } }), /rest_endpoints\.endpoints\.\/a\.params: unknown key/);
    assert.throws(invalid({ endpoints: { '/a': { document_id: 'a', parameters: { 'bad name': 'x' } } } }), /rest_endpoints\.endpoints\.\/a\.parameters\.bad name: expected a parameter name/);
    // Without endpoints the OpenAPI path claims nothing.
    assert.doesNotThrow(invalid({ openapi: { path: '/graphql' } }));
  });
});

describe('a supergraph reload that breaks an endpoint', () => {
  let subgraph: FixtureSubgraph;
  let logged: LoggedGateway;
  let removeManifest: () => Promise<void>;

  before(async () => {
    subgraph = await startShopSubgraph();
    const manifest = await writeManifest();
    removeManifest = manifest.remove;
    logged = await startLoggedGateway(shopSupergraph(subgraph.url), {
      persisted_documents: { manifests: [{ file: manifest.file }] },
      rest_endpoints: { endpoints: { '/items/one': { document_id: 'item', response_path: 'item' } } },
    });
  });
  after(async () => {
    await logged?.stop();
    await removeManifest?.();
    await subgraph?.stop();
  });

  test('is refused, naming the endpoint; the last good graph keeps serving it', async () => {
    const origin = `http://127.0.0.1:${logged.gateway.port}`;
    const withoutItem = `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective"])
      ${CACHE_CONTROL_LINK}
      type Query { items: [Item!]! }
      type Item @key(fields: "id") { id: ID! name: String! }`;
    await assert.rejects(logged.gateway.reloadSupergraph(shopSupergraph(subgraph.url, withoutItem)), /rest_endpoints\.endpoints\.\/items\/one\.document_id: the document does not validate against the supergraph: Cannot query field "item"/);
    const result = await get(`${origin}/items/one?id=i1`);
    assert.equal(result.status, 200);
    assert.deepEqual(result.body, { id: 'i1', name: 'Kettle' });
  });

  test('the access log line of a REST request: its path, operation and outcome', async () => {
    const origin = `http://127.0.0.1:${logged.gateway.port}`;
    await get(`${origin}/items/one?id=i2`, { 'x-request-id': 'rest-log-1' });
    await get(`${origin}/items/one`, { 'x-request-id': 'rest-log-2' });
    const line = (id: string) => logged.logs.find((l) => l.msg === 'request' && l.requestId === id);
    assert.deepEqual(pick(line('rest-log-1')), { method: 'GET', path: '/items/one', status: 200, operationName: 'Item', outcome: 'ok', profile: 'anonymous' });
    assert.deepEqual(pick(line('rest-log-2')), { method: 'GET', path: '/items/one', status: 400, operationName: undefined, outcome: 'INVALID_PARAMETER', profile: 'anonymous' });
  });
});

function pick(line: Record<string, unknown> | undefined) {
  assert.ok(line, 'an access log line');
  const { method, path, status, operationName, outcome, profile } = line;
  return { method, path, status, operationName, outcome, profile };
}
