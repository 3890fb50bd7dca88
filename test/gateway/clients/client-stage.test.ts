// Stage 3 alone (clients/stage.ts): which profile a request runs under (its policy), and which one
// its quotas count it under (`quotaProfile`): the credential's, else `default` / `anonymous`, never
// one a client-name header picked. A profile that requires authentication is never picked by a
// client name, even from a config that skipped validation (which refuses `client_names` there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientsConfigSchema } from '../../../gateway/src/clients/config.ts';
import { ClientStage } from '../../../gateway/src/clients/stage.ts';
import type { Identity } from '../../../gateway/src/core/identity.ts';

const identity = (profile?: string): Identity => ({ method: 'api_key', subject: undefined, clientId: 'c1', scopes: new Set(), profile, claims: {} });
const named = (name: string) => ({ 'apollographql-client-name': name });

const stage = new ClientStage(
  clientsConfigSchema.parse({
    profiles: { partner: { require_authentication: true }, web: { client_names: ['tollgate-web'] }, mobile: { persisted_only: true, client_names: ['tollgate-ios'] } },
  }),
);

test('quotaProfile: the credential\'s profile, else default with a credential, anonymous without; never the client name\'s', () => {
  const cases: Array<[string, Identity | undefined, Record<string, string>, string, string]> = [
    ['anonymous', undefined, {}, 'anonymous', 'anonymous'],
    ['anonymous, client name', undefined, named('tollgate-web'), 'web', 'anonymous'],
    ['anonymous, persisted-only app', undefined, named('tollgate-ios'), 'mobile', 'anonymous'],
    ['credential without a profile', identity(), {}, 'default', 'default'],
    ['credential without a profile, client name', identity(), named('tollgate-web'), 'web', 'default'],
    ['credential naming a profile', identity('partner'), named('tollgate-web'), 'partner', 'partner'],
    ['credential naming a listed profile a client name could pick', identity('web'), {}, 'web', 'web'],
    ['credential naming an unlisted profile', identity('nope'), named('tollgate-web'), 'default', 'default'],
  ];
  for (const [name, who, headers, profile, quotaProfile] of cases) {
    const resolved = stage.run(who, headers);
    assert.deepEqual([resolved.profile, resolved.quotaProfile], [profile, quotaProfile], name);
  }
  // Without `clients.profiles`, a credential's profile is its own for both.
  const bare = new ClientStage().run(identity('partner'), {});
  assert.deepEqual([bare.profile, bare.quotaProfile], ['partner', 'partner']);
});

test('a client name never picks a profile that requires authentication, with or without a credential', () => {
  // Built without the schema's check, as a config that skipped validation would be.
  const unchecked = clientsConfigSchema.parse({ profiles: { internal: { require_authentication: true } } });
  unchecked.profiles['internal']!.client_names = ['admin-console'];
  const clients = new ClientStage(unchecked);
  assert.equal(clients.run(undefined, named('admin-console')).profile, 'anonymous');
  assert.equal(clients.run(identity(), named('admin-console')).profile, 'default');
  assert.equal(clients.run(identity('internal'), {}).profile, 'internal', 'a credential naming it still reaches it');
});

test('a fallback that requires authentication refuses every anonymous request, whatever its client name; an `anonymous` profile decides over `default`', () => {
  const refusal = (stage: ClientStage, headers: Record<string, string>) => {
    try {
      stage.run(undefined, headers);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
  const byDefault = new ClientStage(clientsConfigSchema.parse({ profiles: { default: { require_authentication: true }, web: { client_names: ['tollgate-web'] } } }));
  assert.equal(refusal(byDefault, {}), 'Client profile default requires authentication: send a credential');
  assert.equal(refusal(byDefault, named('tollgate-web')), 'Client profile default requires authentication: send a credential');
  assert.equal(byDefault.run(identity(), named('tollgate-web')).profile, 'web', 'a credential still gets the client name\'s policy');
  const byAnonymous = new ClientStage(clientsConfigSchema.parse({ profiles: { anonymous: { require_authentication: true }, web: { client_names: ['tollgate-web'] } } }));
  assert.equal(refusal(byAnonymous, named('tollgate-web')), 'Client profile anonymous requires authentication: send a credential');
  // `default` requires it but `anonymous` is listed without: anonymous callers may run, with or without a client name.
  const open = new ClientStage(clientsConfigSchema.parse({ profiles: { default: { require_authentication: true }, anonymous: {}, web: { client_names: ['tollgate-web'] } } }));
  assert.equal(open.run(undefined, {}).profile, 'anonymous');
  assert.equal(open.run(undefined, named('tollgate-web')).profile, 'web');
});

test('varyOn: the credential headers, and the client-name header only when a profile lists client names', () => {
  const credentials = { credentialHeaders: ['authorization', 'x-api-key'], missingCredential: () => new Error('unused') as never };
  assert.equal(new ClientStage(clientsConfigSchema.parse({ profiles: { web: { client_names: ['tollgate-web'] } } }), credentials).varyOn, 'authorization, x-api-key, apollographql-client-name');
  assert.equal(new ClientStage(clientsConfigSchema.parse({ name_header: 'x-app', profiles: { web: { client_names: ['tollgate-web'] } } })).varyOn, 'x-app');
  assert.equal(new ClientStage(clientsConfigSchema.parse({ profiles: { partner: { require_authentication: true } } }), credentials).varyOn, 'authorization, x-api-key');
  assert.equal(new ClientStage().varyOn, '');
});
