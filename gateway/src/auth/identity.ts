import type { Identity } from '../core/identity.ts';
import type { SubgraphHeadersConfig } from './config.ts';


/**
 * The gateway-owned headers every subgraph request of this identity carries. Subgraphs get only
 * headers the gateway sets, so a client-sent `x-tollgate-sub` never reaches them.
 */
export function identityHeaders(identity: Identity | undefined, names: SubgraphHeadersConfig): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!identity) return headers;
  if (identity.subject !== undefined) headers[names.subject] = headerSafe(identity.subject);
  if (identity.clientId !== undefined) headers[names.client] = headerSafe(identity.clientId);
  if (identity.scopes.size > 0) headers[names.scopes] = headerSafe([...identity.scopes].join(' '));
  if (identity.profile !== undefined) headers[names.profile] = headerSafe(identity.profile);
  for (const [claim, value] of Object.entries(identity.claims)) {
    headers[`${names.claim_prefix}${claim.toLowerCase()}`] = headerSafe(claimText(value));
  }
  return headers;
}

function claimText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(' ');
  return JSON.stringify(value);
}

/** Printable ASCII is sent as is; anything else (control characters, non-ASCII) is percent-encoded. */
function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
