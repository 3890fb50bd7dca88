import type { Identity } from '../core/identity.ts';
import type { SubgraphHeadersConfig } from './config.ts';

// The encoding of identity headers, one rule a subgraph can undo without guessing:
//  - values never hold control characters (C0, DEL, C1): a token carrying one in `sub`, the client
//    id or a forwarded claim is refused at stage 2 (401 `invalid_claim`), so `u1\r\nx-injected: 1`
//    never reaches a header, encoded or not;
//  - lists (scopes, string-array claims) travel space-separated, so an element holding whitespace
//    is refused too (`"orders:read admin"` must not arrive as two scopes);
//  - the value is then sent percent-encoded in one way only: `%` itself and every non-ASCII
//    character (as UTF-8) are encoded, everything else (printable ASCII) is sent as is. A subgraph
//    decodes every value with decodeURIComponent and gets exactly the claim: a literal
//    `u1%0D%0A` arrives as `u1%250D%250A`, never as the same bytes as something else.

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Which claim of this identity cannot be sent to subgraphs unambiguously (control characters, a
 * list element with whitespace, text that is not well-formed Unicode), or undefined when all can.
 * `names` gives the claims the scopes and the client id were read from, for the message.
 */
export function identityProblem(identity: Identity, names: { scopes: string; clientId: string }): string | undefined {
  if (identity.subject !== undefined && !plainValue(identity.subject)) return 'sub';
  if (identity.clientId !== undefined && !plainValue(identity.clientId)) return names.clientId;
  for (const scope of identity.scopes) if (!listElement(scope)) return names.scopes;
  for (const [claim, value] of Object.entries(identity.claims)) {
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      if (!value.every(listElement)) return claim;
    } else if (!plainValue(claimText(value))) {
      return claim;
    }
  }
  return undefined;
}

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

function plainValue(text: string): boolean {
  return !CONTROL.test(text) && !LONE_SURROGATE.test(text);
}

function listElement(text: string): boolean {
  return text !== '' && !WHITESPACE_OR_CONTROL.test(text) && !LONE_SURROGATE.test(text);
}

function claimText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(' ');
  return JSON.stringify(value);
}

/**
 * `%` and everything outside printable ASCII percent-encoded (UTF-8), the rest as is: the one
 * encoding subgraphs undo with decodeURIComponent. (Control characters never get here from a
 * token; a lone surrogate, refused too, would become U+FFFD rather than throw.)
 */
export function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x24\x26-\x7e]/gu, (char) => {
    try {
      return encodeURIComponent(char);
    } catch {
      return '%EF%BF%BD';
    }
  });
}
