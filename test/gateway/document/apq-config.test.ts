// `persisted_documents.apq`: its keys, their errors (each naming its key), and the size cap of the
// memory store (the default).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseConfig } from '../../../gateway/src/config/load.ts';
import { ConfigError } from '../../../gateway/src/core/config-errors.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';

const refusal = (raw: Record<string, unknown>, pattern: RegExp) =>
  assert.throws(() => parseConfig({ supergraph: { file: 's' }, ...raw }, {}), (error: unknown) => error instanceof ConfigError && pattern.test(error.message));

test('defaults: the memory store, a day, 64 KB', () => {
  const config = parseConfig({ supergraph: { file: 's' } }, {});
  assert.deepEqual(config.persisted_documents.apq, { store: 'memory', ttl_s: 86_400, max_document_bytes: 65_536 });
});

test('the redis store needs redis.url; a wrong or unknown key fails naming it', () => {
  refusal({ persisted_documents: { apq: { store: 'redis' } } }, /persisted_documents\.apq\.store: redis needs redis\.url/);
  refusal({ persisted_documents: { apq: { store: 'disk' } } }, /persisted_documents\.apq\.store: /);
  refusal({ persisted_documents: { apq: { ttl: 60 } } }, /persisted_documents\.apq\.ttl: unknown key/);
  refusal({ persisted_documents: { apq: { ttl_s: 0 } } }, /persisted_documents\.apq\.ttl_s: /);
  refusal({ persisted_documents: { apq: { ttl_s: 40_000_000 } } }, /persisted_documents\.apq\.ttl_s: .*at most a year/);
  refusal({ persisted_documents: { apq: { max_document_bytes: 'big' } } }, /persisted_documents\.apq\.max_document_bytes: /);
  const config = parseConfig({ supergraph: { file: 's' }, redis: { url: 'redis://127.0.0.1:6379' }, persisted_documents: { apq: { store: 'redis', ttl_s: '${APQ_TTL:-600}' } } }, {});
  assert.deepEqual(config.persisted_documents.apq, { store: 'redis', ttl_s: 600, max_document_bytes: 65_536 });
});

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello: String }`;
let subgraph: FixtureSubgraph;
let gateway: RunningGateway;

before(async () => {
  subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' } });
  gateway = await startTestGateway(composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]), { persisted_documents: { apq: { max_document_bytes: 40 } } });
});

after(async () => {
  await gateway.stop();
  await subgraph.stop();
});

test('the memory store keeps a query up to max_document_bytes; a longer one runs and is not kept', async () => {
  const run = (body: Record<string, unknown>) => postGraphQL(gateway.url, body as never);
  const persisted = (text: string) => ({ persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(text).digest('hex') } });
  const short = 'query S { hello }';
  const long = 'query LongerThanForty { a: hello b: hello }';
  assert.deepEqual((await run({ query: short, extensions: persisted(short) })).body, { data: { hello: 'world' } });
  assert.deepEqual((await run({ query: long, extensions: persisted(long) })).body, { data: { a: 'world', b: 'world' } });
  assert.deepEqual((await run({ extensions: persisted(short) })).body, { data: { hello: 'world' } });
  assert.equal((await run({ extensions: persisted(long) })).body.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
});
