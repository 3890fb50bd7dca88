// Issue 15 (cold check): a client-name header chooses a profile's policy, never a quota. Anyone can
// send any `apollographql-client-name`, so quotas count a request under the profile it would have
// without that header: the credential's, else `default` with a credential, `anonymous` without one.
// Real gateway, real Redis (a key prefix of this test's own): the keys in Redis show which bucket
// each request took.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { parseConfig } from '../../../gateway/src/config/load.ts';
import { quotaProfilesNoCredentialNames } from '../../../gateway/src/config/profile-names.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import type { FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startLoggedGateway, startTestGateway } from '../../support/gateway.ts';
import { connectTestRedis, deletePrefix, keysUnder, REDIS_URL, uniquePrefix } from '../../support/redis.ts';
import { apiKeysFor, SHOP_SDL, startShopSubgraph } from './helpers.ts';

const allow = (limit: number) => ({ requests: { limit, window_s: 3600 } });

describe('quotas ignore the client-name header', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let redis: Redis;
  const prefix = uniquePrefix('client-name-quotas');
  const { keys, config: apiKeys } = apiKeysFor([{ clientId: 'plain' }, { clientId: 'acme', profile: 'partner' }]);

  before(async () => {
    subgraph = await startShopSubgraph();
    redis = connectTestRedis();
    gateway = await startTestGateway(composeForTest([{ name: 'shop', routingUrl: subgraph.url, sdl: SHOP_SDL }]), {
      authentication: { api_keys: apiKeys },
      clients: {
        profiles: {
          partner: { require_authentication: true },
          web: { client_names: ['tollgate-web'], subgraph_headers: { 'x-client-kind': 'web' } },
          mobile: { client_names: ['tollgate-android'] },
        },
      },
      redis: { url: REDIS_URL, key_prefix: prefix },
      quotas: {
        rules: [{ key: ['client'], ...allow(600), profiles: { anonymous: allow(3), partner: allow(50), web: allow(1000) } }],
      },
    });
  });

  after(async () => {
    await gateway.stop();
    await subgraph.stop();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  test('anonymous: every client name counts in the one anonymous bucket, with anonymous limits', async () => {
    const calls = subgraph.received.length;
    const answers = [];
    for (const name of [undefined, 'tollgate-web', 'tollgate-android', 'tollgate-web']) {
      answers.push(await postGraphQL(gateway.url, { query: '{ hello }' }, name === undefined ? {} : { 'apollographql-client-name': name }));
    }
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 429], 'the fourth request of 3 allowed, whatever the header says');
    assert.deepEqual(answers.map((a) => a.headers.get('x-ratelimit-limit')), ['3', '3', '3', '3'], 'anonymous limits, not web\'s 1000 or the rule\'s 600');
    assert.deepEqual(answers.map((a) => a.headers.get('x-ratelimit-remaining')), ['2', '1', '0', '0'], 'one bucket');
    assert.equal(answers[3]!.body.errors[0].extensions.code, 'RATE_LIMITED');
    // The header still chose web's policy: its subgraph headers went out.
    assert.equal(subgraph.received[calls + 1]!['x-client-kind'], 'web');
    assert.equal(subgraph.received[calls + 1]!['x-tollgate-profile'], 'web');
  });

  test('with a credential naming no profile: default\'s bucket and limits, whatever the header says', async () => {
    const plain = { 'x-api-key': keys['plain']! };
    const alone = await postGraphQL(gateway.url, { query: '{ hello }' }, plain);
    const named = await postGraphQL(gateway.url, { query: '{ hello }' }, { ...plain, 'apollographql-client-name': 'tollgate-web' });
    assert.equal(named.status, 200);
    assert.equal(named.headers.get('x-ratelimit-limit'), '600');
    assert.equal(Number(named.headers.get('x-ratelimit-remaining')), Number(alone.headers.get('x-ratelimit-remaining')) - 1, 'the same bucket');
  });

  test('a credential naming a profile: that profile\'s quota, the header changes nothing', async () => {
    const partner = await postGraphQL(gateway.url, { query: '{ hello }' }, { 'x-api-key': keys['acme']!, 'apollographql-client-name': 'tollgate-web' });
    assert.equal(partner.status, 200);
    assert.equal(partner.headers.get('x-ratelimit-limit'), '50');
  });

  test('Redis holds buckets of the credential profiles only: none of a client-name profile', async () => {
    const stored = (await keysUnder(redis, prefix)).map((key) => key.slice(prefix.length)).sort();
    assert.deepEqual(stored, [
      '{default|profile=anonymous|ip=127.0.0.1}:requests',
      '{default|profile=default|client=plain}:requests',
      '{default|profile=partner|client=acme}:requests',
    ]);
  });
});

describe('quota limits of a profile only a client name could pick', () => {
  const base = { supergraph: { file: 'x.graphql' }, clients: { profiles: { web: { client_names: ['tollgate-web'] }, partner: {} } } };
  const rules = { rules: [{ ...allow(600), profiles: { anonymous: allow(1), web: allow(2), partner: allow(3) } }] };
  const keyed = { api_keys: apiKeysFor([{ clientId: 'acme', profile: 'partner' }]).config };

  test('named by the warning: profiles no API key names, when no JWT profile claim is configured', () => {
    assert.deepEqual(quotaProfilesNoCredentialNames(parseConfig({ ...base, authentication: keyed, quotas: rules }, {})), ['quotas.rules.0.profiles.web']);
    assert.deepEqual(quotaProfilesNoCredentialNames(parseConfig({ ...base, quotas: rules }, {})), ['quotas.rules.0.profiles.web', 'quotas.rules.0.profiles.partner']);
    // A JWT claim may name any profile: its values cannot be listed, so nothing is said.
    const withClaim = { ...keyed, jwt: { jwks: [{ url: 'http://127.0.0.1:1/jwks.json', algorithms: ['RS256'] }], profile_claim: 'app_profile' } };
    assert.deepEqual(quotaProfilesNoCredentialNames(parseConfig({ ...base, authentication: withClaim, quotas: rules }, {})), []);
  });

  test('logged at start-up as a warning naming the key (the gateway starts)', async () => {
    const subgraph = await startShopSubgraph();
    const logged = await startLoggedGateway(composeForTest([{ name: 'shop', routingUrl: subgraph.url, sdl: SHOP_SDL }]), {
      authentication: keyed,
      clients: base.clients,
      quotas: rules,
    });
    try {
      const warnings = logged.logs.filter((line) => line['level'] === 40 && line['key'] !== undefined);
      assert.deepEqual(warnings.map((line) => line['key']), ['quotas.rules.0.profiles.web']);
      assert.match(warnings[0]!['msg'], /a client-name header never changes which quota counts a request/);
    } finally {
      await logged.stop();
      await subgraph.stop();
    }
  });
});
