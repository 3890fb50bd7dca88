// Issue 15 part 1: client profiles (stage 3). A profile is picked by the API key, by a JWT claim,
// or (where the profile allows it) by the apollographql-client-name header; a forged client name
// never picks a profile that requires authentication. Each profile's policy is enforced: persisted
// only, introspection, document limits, max cost, subgraph headers. Config errors name the key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../gateway/src/config/load.ts';
import type { JwsAlgorithm } from '../../../gateway/src/auth/config.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';
import { makeKey, signToken, startJwksServer, type JwksServer, type TestKey } from '../auth/helpers.ts';
import { apiKeysFor } from '../quota/helpers.ts';

const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { hello: String item: Item }
  type Item { id: ID! name: String }`;

const CLIENTS = {
  profiles: {
    default: {},
    anonymous: { limits: { max_aliases: 1 } },
    partner: { require_authentication: true, introspection: true, max_cost: 10, limits: { max_aliases: 5 }, subgraph_headers: { 'x-client-platform': 'partner' } },
    web: { client_names: ['web-app'], subgraph_headers: { 'x-client-platform': 'web' } },
    mobile: { persisted_only: true, client_names: ['ios-app'] },
    internal: { require_authentication: true, introspection: true, subgraph_headers: { 'x-client-platform': 'internal' } },
  },
};

describe('client profiles', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let jwks: JwksServer;
  let rsa: TestKey;
  const { keys, config: apiKeys } = apiKeysFor([{ clientId: 'acme', profile: 'partner' }, { clientId: 'plain' }]);
  const token = (claims: Record<string, unknown>) => signToken(rsa, { sub: 'u1', iss: 'urn:test', ...claims });

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world', item: () => ({ id: 'i1', name: 'thing' }) } });
    rsa = await makeKey('RS256', 'k1');
    jwks = await startJwksServer([rsa.publicJwk]);
    gateway = await startTestGateway(composeForTest([{ name: 'items', routingUrl: subgraph.url, sdl: SDL }]), {
      server: { introspection: false },
      authentication: {
        api_keys: apiKeys,
        jwt: { jwks: [{ url: jwks.url, algorithms: ['RS256'] as JwsAlgorithm[] }], profile_claim: 'app_profile' },
      },
      demand_control: { enabled: true, mode: 'enforce', strategy: { static_estimated: { max: 1 } } },
      clients: CLIENTS,
    });
  });

  after(async () => {
    await gateway.stop();
    await jwks.stop();
    await subgraph.stop();
  });

  /** Runs a query and returns the response and the headers its subgraph fetch carried. */
  async function run(query: string, headers: Record<string, string>) {
    const calls = subgraph.received.length;
    const result = await postGraphQL(gateway.url, { query }, headers);
    return { result, fetched: subgraph.received.slice(calls) };
  }

  test('an API key\'s profile: its subgraph headers and the profile reach the subgraph', async () => {
    const { result, fetched } = await run('{ hello }', { 'x-api-key': keys['acme']! });
    assert.deepEqual(result.body, { data: { hello: 'world' } });
    assert.equal(fetched[0]!['x-client-platform'], 'partner');
    assert.equal(fetched[0]!['x-tollgate-profile'], 'partner');
  });

  test('a JWT claim names the profile; a claim naming no listed profile runs as default', async () => {
    const web = await run('{ hello }', { authorization: `Bearer ${await token({ app_profile: 'web' })}` });
    assert.equal(web.fetched[0]!['x-client-platform'], 'web');
    assert.equal(web.fetched[0]!['x-tollgate-profile'], 'web');
    const unknown = await run('{ hello }', { authorization: `Bearer ${await token({ app_profile: 'nope' })}` });
    assert.deepEqual(unknown.result.body, { data: { hello: 'world' } });
    assert.equal(unknown.fetched[0]!['x-client-platform'], undefined);
    assert.equal(unknown.fetched[0]!['x-tollgate-profile'], 'default', 'the profile it runs under, not the unlisted name');
    const invalid = await postGraphQL(gateway.url, { query: '{ hello }' }, { authorization: `Bearer ${await token({ app_profile: 42 })}` });
    assert.equal(invalid.status, 401);
    assert.equal(invalid.body.errors[0].extensions.reason, 'invalid_claim');
  });

  test('the client-name header picks a profile for an anonymous app that allows it', async () => {
    const { result, fetched } = await run('{ hello }', { 'apollographql-client-name': 'web-app', 'apollographql-client-version': '1.2.3' });
    assert.deepEqual(result.body, { data: { hello: 'world' } });
    assert.equal(fetched[0]!['x-client-platform'], 'web');
    assert.equal(fetched[0]!['x-tollgate-profile'], 'web');
    const mobile = await postGraphQL(gateway.url, { query: '{ hello }' }, { 'apollographql-client-name': 'ios-app' });
    assert.equal(mobile.status, 400);
    assert.equal(mobile.body.errors[0].extensions.code, 'PERSISTED_QUERY_ONLY');
  });

  test('a client name picks no profile that requires authentication, with or without a credential', async () => {
    // `internal` lists no client name (config refuses it: see below); `admin-console` names nothing.
    // anonymous: falls to the `anonymous` profile (max_aliases 1), none of internal's headers or introspection.
    const forged = await run('{ a: hello }', { 'apollographql-client-name': 'admin-console' });
    assert.deepEqual(forged.result.body, { data: { a: 'world' } });
    assert.equal(forged.fetched[0]!['x-client-platform'], undefined);
    assert.equal(forged.fetched[0]!['x-tollgate-profile'], undefined);
    const aliases = await postGraphQL(gateway.url, { query: '{ a: hello b: hello }' }, { 'apollographql-client-name': 'admin-console' });
    assert.equal(aliases.body.errors[0].extensions.code, 'MAX_ALIASES_LIMIT', "anonymous's limits, not internal's");
    const introspection = await postGraphQL(gateway.url, { query: '{ __schema { queryType { name } } }' }, { 'apollographql-client-name': 'admin-console' });
    assert.equal(introspection.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    // With a credential that names no profile: `default`, not internal's headers or introspection.
    const authenticated = await run('{ hello }', { 'apollographql-client-name': 'admin-console', authorization: `Bearer ${await token({})}` });
    assert.equal(authenticated.fetched[0]!['x-client-platform'], undefined);
    assert.equal(authenticated.fetched[0]!['x-tollgate-profile'], undefined);
    const signedIntrospection = await postGraphQL(gateway.url, { query: '{ __schema { queryType { name } } }' }, { 'apollographql-client-name': 'admin-console', authorization: `Bearer ${await token({})}` });
    assert.equal(signedIntrospection.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    // The JWT claim is how a credential reaches it.
    const claimed = await run('{ hello }', { authorization: `Bearer ${await token({ app_profile: 'internal' })}` });
    assert.equal(claimed.fetched[0]!['x-client-platform'], 'internal');
    // A credential's own profile is never overridden by the header.
    const keyed = await run('{ hello }', { 'apollographql-client-name': 'admin-console', 'x-api-key': keys['acme']! });
    assert.equal(keyed.fetched[0]!['x-client-platform'], 'partner');
  });

  test('a fallback that requires authentication locks anonymous requests out, whatever client name they send', async () => {
    const gatewayAuthOnly = await startTestGateway(composeForTest([{ name: 'items', routingUrl: subgraph.url, sdl: SDL }]), {
      authentication: { api_keys: apiKeys },
      clients: { profiles: { default: { require_authentication: true }, partner: {}, web: { client_names: ['web-app'] } } },
    });
    try {
      const calls = subgraph.received.length;
      for (const headers of [{}, { 'apollographql-client-name': 'web-app' }, { 'apollographql-client-name': 'unknown-app' }] as Record<string, string>[]) {
        const anonymous = await postGraphQL(gatewayAuthOnly.url, { query: '{ hello }' }, headers);
        assert.equal(anonymous.status, 401, JSON.stringify(headers));
        assert.equal(anonymous.body.errors[0].extensions.code, 'UNAUTHENTICATED');
        assert.equal(anonymous.body.errors[0].extensions.reason, 'profile_requires_authentication');
        // `default`'s policy applies (no `anonymous` listed), and stage 2's words and challenge for a missing credential.
        assert.equal(anonymous.body.errors[0].message, 'Client profile default requires authentication: send an API key (x-api-key)');
        assert.equal(anonymous.headers.get('www-authenticate'), 'ApiKey realm="tollgate"');
        assert.equal(anonymous.headers.get('cache-control'), 'no-store');
      }
      assert.equal(subgraph.received.length, calls, 'no subgraph called');
      const keyed = await postGraphQL(gatewayAuthOnly.url, { query: '{ hello }' }, { 'x-api-key': keys['plain']!, 'apollographql-client-name': 'web-app' });
      assert.deepEqual(keyed.body, { data: { hello: 'world' } });
    } finally {
      await gatewayAuthOnly.stop();
    }
  });

  test('`anonymous: { require_authentication: true }` names anonymous; with JWT and API keys both are offered, as stage 2 offers them', async () => {
    const locked = await startTestGateway(composeForTest([{ name: 'items', routingUrl: subgraph.url, sdl: SDL }]), {
      authentication: { api_keys: apiKeys, jwt: { jwks: [{ url: jwks.url, algorithms: ['RS256'] as JwsAlgorithm[] }] } },
      clients: { profiles: { anonymous: { require_authentication: true }, partner: {}, web: { client_names: ['web-app'] } } },
    });
    const required = await startTestGateway(composeForTest([{ name: 'items', routingUrl: subgraph.url, sdl: SDL }]), {
      authentication: { required: true, api_keys: apiKeys, jwt: { jwks: [{ url: jwks.url, algorithms: ['RS256'] as JwsAlgorithm[] }] } },
    });
    try {
      const anonymous = await postGraphQL(locked.url, { query: '{ hello }' }, { 'apollographql-client-name': 'web-app' });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.errors[0].message, 'Client profile anonymous requires authentication: send a bearer token or an API key (x-api-key)');
      const missing = await postGraphQL(required.url, { query: '{ hello }' });
      assert.equal(missing.status, 401);
      assert.equal(missing.body.errors[0].extensions.reason, 'missing');
      assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="tollgate", ApiKey realm="tollgate"');
      assert.equal(missing.headers.get('www-authenticate'), anonymous.headers.get('www-authenticate'), 'the same challenge as stage 2\'s');
      const signed = await postGraphQL(locked.url, { query: '{ hello }' }, { authorization: `Bearer ${await token({})}` });
      assert.deepEqual(signed.body, { data: { hello: 'world' } });
    } finally {
      await locked.stop();
      await required.stop();
    }
  });

  test('introspection per profile: on for partner although server.introspection is false', async () => {
    const partner = await postGraphQL(gateway.url, { query: '{ __schema { queryType { name } } }' }, { 'x-api-key': keys['acme']! });
    assert.deepEqual(partner.body, { data: { __schema: { queryType: { name: 'Query' } } } });
    const other = await postGraphQL(gateway.url, { query: '{ __schema { queryType { name } } }' }, { 'x-api-key': keys['plain']! });
    assert.equal(other.status, 200, 'application/json: a validation error is 200');
    assert.equal(other.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(other.body.errors[0].message, /introspection is not allowed for this client/);
  });

  test('document limits and max cost per profile', async () => {
    const twoItems = '{ a: item { name } b: item { name } }';
    const plain = await postGraphQL(gateway.url, { query: twoItems }, { 'x-api-key': keys['plain']! });
    assert.equal(plain.body.errors[0].extensions.code, 'COST_ESTIMATED_TOO_EXPENSIVE', 'default: demand_control max 1');
    const partner = await postGraphQL(gateway.url, { query: twoItems }, { 'x-api-key': keys['acme']! });
    assert.deepEqual(partner.body, { data: { a: { name: 'thing' }, b: { name: 'thing' } } }, 'partner: max_cost 10, max_aliases 5');
    const sixAliases = `{ ${Array.from({ length: 6 }, (_, i) => `a${i}: hello`).join(' ')} }`;
    const over = await postGraphQL(gateway.url, { query: sixAliases }, { 'x-api-key': keys['acme']! });
    assert.equal(over.body.errors[0].extensions.code, 'MAX_ALIASES_LIMIT');
  });
});

describe('client profile config', () => {
  const base = { supergraph: { file: 'x.graphql' } };
  const refused = (config: Record<string, unknown>, message: RegExp) =>
    assert.throws(() => parseConfig({ ...base, ...config }, {}), (error: Error) => error.name === 'ConfigError' && message.test(error.message), message.source);
  const keys = { keys: [{ client_id: 'a', sha256: 'a'.repeat(64), profile: 'partnr' }] };

  test('a profile named elsewhere must be listed in clients.profiles', () => {
    const clients = { profiles: { partner: {} } };
    refused({ clients, authentication: { api_keys: keys } }, /authentication\.api_keys\.keys\.0\.profile: profile "partnr" is not in clients\.profiles \(partner\)/);
    refused({ clients, quotas: { rules: [{ requests: { limit: 1, window_s: 1 }, profiles: { mobil: { requests: { limit: 1, window_s: 1 } } } }] } }, /quotas\.rules\.0\.profiles\.mobil: profile "mobil" is not in clients\.profiles/);
    refused({ clients, limits: { profiles: { webb: { max_depth: 3 } } } }, /limits\.profiles\.webb: profile "webb" is not in clients\.profiles/);
    refused({ clients: { profiles: { partner: { limits: { max_depth: 3 } } } }, limits: { profiles: { partner: { max_depth: 4 } } } }, /limits\.profiles\.partner: also set as clients\.profiles\.partner\.limits: keep one/);
  });

  test('without clients.profiles, existing profile names keep working', () => {
    const config = parseConfig({ ...base, authentication: { api_keys: keys }, quotas: { rules: [{ requests: { limit: 1, window_s: 1 }, profiles: { anonymous: { requests: { limit: 1, window_s: 1 } } } }] } }, {});
    assert.equal(config.authentication.api_keys?.keys[0]?.profile, 'partnr');
    // `anonymous` and `default` are always known names.
    parseConfig({ ...base, clients: { profiles: { web: {} } }, quotas: { rules: [{ requests: { limit: 1, window_s: 1 }, profiles: { anonymous: { requests: { limit: 1, window_s: 1 } }, default: { requests: { limit: 2, window_s: 1 } } } }] } }, {});
  });

  test('policy keys are checked, naming the key', () => {
    refused({ clients: { profiles: { web: { subgraph_headers: { 'x-tollgate-sub': 'u' } } } } }, /clients\.profiles\.web\.subgraph_headers\.x-tollgate-sub: a header the gateway sets itself/);
    refused({ clients: { profiles: { web: { subgraph_headers: { 'x-request-id': 'u' } } } } }, /clients\.profiles\.web\.subgraph_headers\.x-request-id: a header the gateway sets itself/);
    refused({ clients: { profiles: { web: { subgraph_headers: { 'x-a': 'a\nb' } } } } }, /clients\.profiles\.web\.subgraph_headers\.x-a: printable ASCII only/);
    refused({ clients: { profiles: { web: { max_cost: 5 } } } }, /clients\.profiles\.web\.max_cost: set, but demand_control\.enabled is false/);
    refused({ clients: { profiles: { web: { client_names: ['app'] }, ios: { client_names: ['app'] } } } }, /clients\.profiles\.ios\.client_names\.0: "app" already selects profile web/);
    refused(
      { clients: { profiles: { partner: { require_authentication: true, client_names: ['partner-app'] } } } },
      /clients\.profiles\.partner\.client_names: not allowed with require_authentication: such a profile is reached only by a credential naming it \(an API key's `profile`, the JWT claim authentication\.jwt\.profile_claim\)/,
    );
    refused({ clients: { profiles: { web: { persisted_only: 'yes' } } } }, /clients\.profiles\.web\.persisted_only: expected a boolean, got string "yes"/);
    refused({ clients: { profiles: { web: { cors: { origins: ['https://app.example.com/'] } } } } }, /clients\.profiles\.web\.cors\.origins\.0: expected an origin as browsers send it/);
    refused({ clients: { profiles: { web: { cors: { allow_credentials: true } } } } }, /clients\.profiles\.web\.cors\.allow_credentials: unknown key/);
  });
});
