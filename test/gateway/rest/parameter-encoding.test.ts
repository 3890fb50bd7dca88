// A REST endpoint's query string is decoded strictly: a parameter the endpoint binds whose
// percent-encoding is malformed (`%ZZ`) or whose bytes are not UTF-8 (`%C3`) is refused with 400
// INVALID_PARAMETER (reason `malformed`) before anything is charged or fetched, instead of running
// with the text WHATWG's URLSearchParams repairs it into (`%ZZ` as it is, U+FFFD). Parameters the
// endpoint does not bind are ignored however they are spelled.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { get, startShopGateway, startShopSubgraph, type ShopGateway } from './helpers.ts';

describe('REST query parameters: malformed percent-encoding and invalid UTF-8', () => {
  let subgraph: FixtureSubgraph;
  let shop: ShopGateway;

  before(async () => {
    subgraph = await startShopSubgraph();
    shop = await startShopGateway(subgraph, {
      rest_endpoints: { endpoints: { '/echo': { document_id: 'echo', parameters: { number: 'n' } } } },
      // The embedded store: a refusal that was charged would show in the remaining count.
      quotas: { rules: [{ key: ['ip'], requests: { limit: 1000, window_s: 3600 } }] },
    });
  });
  after(async () => {
    await shop?.stop();
    await subgraph?.stop();
  });

  const refusals: Array<[string, string]> = [
    ['/echo?id=%ZZ', 'id'],
    ['/echo?id=%C3', 'id'], // a lone UTF-8 lead byte
    ['/echo?id=%C0%AF', 'id'], // an overlong encoding of "/"
    ['/echo?id=%ED%A0%80', 'id'], // a UTF-16 surrogate
    ['/echo?id=abc%', 'id'],
    ['/echo?id=1&number=%4', 'number'], // a renamed parameter
    ['/echo?id=1&tags=a&tags=%FF', 'tags'], // one item of a list
    ['/echo?i%64=%ZZ', 'id'], // the name is decoded before it is matched
  ];
  for (const [path, parameter] of refusals) {
    test(`${path}: 400 INVALID_PARAMETER (malformed), nothing charged or fetched`, async () => {
      const before = Number((await get(`${shop.origin}/echo?id=1`)).headers.get('x-ratelimit-remaining'));
      const fetched = subgraph.received.length;
      const result = await get(`${shop.origin}${path}`);
      assert.equal(result.status, 400);
      assert.equal(result.headers.get('cache-control'), 'no-store');
      const [error] = result.body.errors;
      assert.equal(error.message, `Query parameter "${parameter}" is not valid percent-encoded UTF-8`);
      assert.deepEqual({ ...error.extensions, requestId: undefined }, { code: 'INVALID_PARAMETER', parameter, reason: 'malformed', requestId: undefined });
      assert.equal(result.headers.get('x-ratelimit-remaining'), null, 'refused before the quota stage');
      assert.equal(subgraph.received.length, fetched, 'nothing was fetched');
      const after = Number((await get(`${shop.origin}/echo?id=1`)).headers.get('x-ratelimit-remaining'));
      assert.equal(after, before - 1, 'only the two good requests were charged');
    });
  }

  test('well-formed encodings decode as before: UTF-8, "+" as a space, an encoded "+", "&" and "="', async () => {
    const result = await get(`${shop.origin}/echo?id=%E2%82%AC+x%2B%26%3D&tags=%F0%9F%98%80&tags=`);
    assert.equal(result.status, 200);
    assert.deepEqual(result.body.echo.id, '€ x+&=');
    assert.deepEqual(result.body.echo.tags, ['😀', '']);
  });

  test('parameters the endpoint does not bind are ignored, malformed or not (tracking, cache busters)', async () => {
    const result = await get(`${shop.origin}/echo?utm_source=%ZZ&id=7&%C3=1&ref=%C3&=x&&nocache`);
    assert.equal(result.status, 200);
    assert.equal(result.body.echo.id, '7');
  });
});
