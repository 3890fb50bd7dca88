// Client profile names appear in several slices (API keys, quotas, limits, clients): once
// `clients.profiles` lists profiles, every other mention must name one of them, so a typo fails
// start-up naming the key instead of silently never matching.
import type { z } from 'zod';
import type { AuthenticationConfig } from '../auth/config.ts';
import type { ClientsConfig } from '../clients/config.ts';
import type { DemandControlConfig } from '../cost/config.ts';
import type { LimitsConfig } from '../http/config.ts';
import type { QuotasConfig } from '../quota/config.ts';

interface ProfileMentions {
  clients: ClientsConfig;
  authentication: AuthenticationConfig;
  quotas: QuotasConfig;
  limits: LimitsConfig;
  demand_control: DemandControlConfig;
  telemetry: { request_id_header: string };
}

/** Headers no profile may set on subgraph requests: the gateway's own, and what HTTP itself owns. */
const RESERVED_HEADERS = ['host', 'content-type', 'content-length', 'connection', 'accept', 'accept-encoding', 'transfer-encoding', 'traceparent', 'tracestate', 'authorization'];

export function checkProfileNames(config: ProfileMentions, ctx: z.RefinementCtx): void {
  const profiles = config.clients.profiles;
  const listed = Object.keys(profiles);
  const known = new Set([...listed, 'anonymous', 'default']);
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const notListed = (name: string) => `profile "${name}" is not in clients.profiles (${listed.join(', ')})`;
  if (listed.length > 0) {
    config.authentication.api_keys?.keys.forEach((key, index) => {
      if (key.profile !== undefined && !(key.profile in profiles)) issue(['authentication', 'api_keys', 'keys', index, 'profile'], notListed(key.profile));
    });
    config.quotas.rules.forEach((rule, index) => {
      for (const name of Object.keys(rule.profiles)) if (!known.has(name)) issue(['quotas', 'rules', index, 'profiles', name], notListed(name));
    });
    for (const name of Object.keys(config.limits.profiles)) {
      if (!known.has(name)) issue(['limits', 'profiles', name], notListed(name));
      else if (profiles[name]?.limits !== undefined) issue(['limits', 'profiles', name], `also set as clients.profiles.${name}.limits: keep one`);
    }
  }
  const owned = config.authentication.subgraph_headers;
  const gatewayHeaders = new Set([owned.subject, owned.client, owned.scopes, owned.profile, config.telemetry.request_id_header, ...RESERVED_HEADERS]);
  for (const [name, profile] of Object.entries(profiles)) {
    for (const header of Object.keys(profile.subgraph_headers)) {
      if (gatewayHeaders.has(header) || header.startsWith(owned.claim_prefix)) {
        issue(['clients', 'profiles', name, 'subgraph_headers', header], 'a header the gateway sets itself (identity, request id, HTTP): choose another name');
      }
    }
    if (profile.max_cost !== undefined && !config.demand_control.enabled) {
      issue(['clients', 'profiles', name, 'max_cost'], 'set, but demand_control.enabled is false: nothing estimates costs');
    }
  }
}

/**
 * The `quotas.rules[].profiles.<name>` keys whose limits no request gets: quotas count a request
 * under its credential's profile (a client-name header never changes it), and no API key names
 * `<name>` and no JWT profile claim is configured. For a start-up warning, not an error: with a
 * profile claim its values cannot be listed, so this only speaks when there is none.
 */
export function quotaProfilesNoCredentialNames(config: Pick<ProfileMentions, 'authentication' | 'quotas'>): string[] {
  if (config.authentication.jwt?.profile_claim !== undefined) return [];
  const named = new Set(['anonymous', 'default']);
  for (const key of config.authentication.api_keys?.keys ?? []) if (key.profile !== undefined) named.add(key.profile);
  const keys: string[] = [];
  config.quotas.rules.forEach((rule, index) => {
    for (const name of Object.keys(rule.profiles)) if (!named.has(name)) keys.push(`quotas.rules.${index}.profiles.${name}`);
  });
  return keys;
}
