// A cacheable answer (a GraphQL GET of a query with @cacheControl hints, a REST endpoint's 200 and
// 304) differs by the profile that answers it: its CORS headers, its status, its limits. So one
// that carried a verified credential is never `public` (a shared cache would hand a partner's
// answer, without the web origin's access-control-allow-origin, to every page for its max-age):
// it is `private`, same max-age. And every cacheable answer varies on the headers that choose the
// profile: the credential headers, and the client-name header when a profile lists client names.
// A gateway with neither keeps `vary: accept` alone. Real gateway, real HTTP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { apiKeysFor } from '../quota/helpers.ts';
import { DOCUMENTS, get, startShopGateway, startShopSubgraph, type ShopGateway } from './helpers.ts';

const WEB = 'https://web.example.com';
const tokens = (vary: string | null) => (vary ?? '').split(',').map((token) => token.trim()).filter(Boolean).sort();

describe('cacheable answers: never public with a credential, varying on what picks the profile', () => {
  let subgraph: FixtureSubgraph;
  let shop: ShopGateway;
  let plain: ShopGateway;
  const { keys, config: apiKeys } = apiKeysFor([{ clientId: 'acme', profile: 'partner' }, { clientId: 'plain' }]);
  const graphqlGet = (origin: string) => `${origin}/graphql?query=${encodeURIComponent(DOCUMENTS.items)}`;

  before(async () => {
    subgraph = await startShopSubgraph();
    shop = await startShopGateway(subgraph, {
      authentication: { api_keys: apiKeys },
      cors: { origins: [WEB] },
      clients: { profiles: { partner: { require_authentication: true, cors: { origins: [] } }, web: { client_names: ['web-app'] } } },
      rest_endpoints: { endpoints: { '/api/v1/items': { document_id: 'items' } } },
    });
    plain = await startShopGateway(subgraph, { rest_endpoints: { endpoints: { '/api/v1/items': { document_id: 'items' } } } });
  });

  after(async () => {
    await shop?.stop();
    await plain?.stop();
    await subgraph?.stop();
  });

  test('GraphQL GET: anonymous is public, a partner key private (same max-age), both vary on origin, accept, the key and the client name', async () => {
    const anonymous = await get(graphqlGet(shop.origin), { origin: WEB, 'apollo-require-preflight': '1' });
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.headers.get('cache-control'), 'public, max-age=60');
    assert.equal(anonymous.headers.get('access-control-allow-origin'), WEB);
    assert.deepEqual(tokens(anonymous.headers.get('vary')), ['accept', 'apollographql-client-name', 'origin', 'x-api-key']);

    const partner = await get(graphqlGet(shop.origin), { origin: WEB, 'apollo-require-preflight': '1', 'x-api-key': keys['acme']! });
    assert.equal(partner.status, 200);
    assert.equal(partner.headers.get('cache-control'), 'private, max-age=60', 'a credentialed answer is never public');
    assert.equal(partner.headers.get('access-control-allow-origin'), null, 'partner lets no page read it');
    assert.deepEqual(tokens(partner.headers.get('vary')), ['accept', 'apollographql-client-name', 'origin', 'x-api-key']);

    // A key without a profile (`default`) is a credential too.
    const plainKey = await get(graphqlGet(shop.origin), { 'apollo-require-preflight': '1', 'x-api-key': keys['plain']! });
    assert.equal(plainKey.headers.get('cache-control'), 'private, max-age=60');
  });

  test('REST endpoint: the same rule on 200 and 304', async () => {
    const url = `${shop.origin}/api/v1/items`;
    const anonymous = await get(url, { origin: WEB });
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.headers.get('cache-control'), 'public, max-age=60');
    assert.deepEqual(tokens(anonymous.headers.get('vary')), ['apollographql-client-name', 'origin', 'x-api-key']);
    const partner = await get(url, { origin: WEB, 'x-api-key': keys['acme']! });
    assert.equal(partner.status, 200);
    assert.equal(partner.headers.get('cache-control'), 'private, max-age=60');
    assert.deepEqual(tokens(partner.headers.get('vary')), ['apollographql-client-name', 'origin', 'x-api-key']);
    const revalidated = await get(url, { 'x-api-key': keys['acme']!, 'if-none-match': partner.headers.get('etag')! });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.headers.get('cache-control'), 'private, max-age=60');
    assert.deepEqual(tokens(revalidated.headers.get('vary')), ['apollographql-client-name', 'origin', 'x-api-key'], 'CORS says origin on every answer');
  });

  test('without credentials or client names nothing more to vary on: vary: accept (GraphQL), none (REST)', async () => {
    const graphql = await get(graphqlGet(plain.origin), { 'apollo-require-preflight': '1' });
    assert.equal(graphql.headers.get('cache-control'), 'public, max-age=60');
    assert.equal(graphql.headers.get('vary'), 'accept');
    const rest = await get(`${plain.origin}/api/v1/items`);
    assert.equal(rest.headers.get('cache-control'), 'public, max-age=60');
    assert.equal(rest.headers.get('vary'), null);
  });
});
