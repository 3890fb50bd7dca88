import type { Identity } from '../core/identity.ts';
import type { SubgraphHeadersConfig } from './config.ts';

// The encoding of identity headers, one rule a subgraph can undo without guessing:
//  - `sub`, the client id and the profile are strings (stage 2 refuses a token whose `sub` or
//    client id is anything else, or empty); the scopes a list of strings, sent space-separated, so
//    a scope holding whitespace is refused (`"orders:read admin"` must not arrive as two scopes);
//  - a forwarded claim (`jwt.forward_claims`) can be any JSON value, so it travels as JSON
//    (JSON.stringify of the claim): `"123"` and `123`, `["a","b"]` and `"a b"`, an object and a
//    string holding its JSON text all arrive different, and a subgraph gets the exact value and type
//    back with JSON.parse;
//  - no value holds control characters (C0, DEL, C1) or lone surrogates: a token carrying one in
//    `sub`, the client id, a scope or anywhere in a forwarded claim (nested strings and keys
//    included) is refused at stage 2 (401 `invalid_claim`), so `u1\r\nx-injected: 1` never reaches
//    a header, encoded or not;
//  - the text is then sent percent-encoded in one way only: `%` itself and every non-ASCII
//    character (as UTF-8) are encoded, everything else (printable ASCII) is sent as is. A subgraph
//    decodes with decodeURIComponent (then JSON.parse for a forwarded claim) and gets exactly the
//    claim: a literal `u1%0D%0A` arrives as `u1%250D%250A`, never as the same bytes as something else.

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Which claim of this identity cannot be sent to subgraphs unambiguously (control characters
 * anywhere, a scope with whitespace, text that is not well-formed Unicode), or undefined when all can.
 * `names` gives the claims the scopes and the client id were read from, for the message.
 */
export function identityProblem(identity: Identity, names: { scopes: string; clientId: string; profile?: string | undefined }): string | undefined {
  if (identity.subject !== undefined && !plainValue(identity.subject)) return 'sub';
  if (identity.profile !== undefined && !plainValue(identity.profile)) return names.profile ?? 'profile';
  if (identity.clientId !== undefined && !plainValue(identity.clientId)) return names.clientId;
  for (const scope of identity.scopes) if (!listElement(scope)) return names.scopes;
  for (const [claim, value] of Object.entries(identity.claims)) if (!plainJson(value)) return claim;
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
    headers[`${names.claim_prefix}${claim.toLowerCase()}`] = headerSafe(claimJson(value));
  }
  return headers;
}

function plainValue(text: string): boolean {
  return !CONTROL.test(text) && !LONE_SURROGATE.test(text);
}

function listElement(text: string): boolean {
  return text !== '' && !WHITESPACE_OR_CONTROL.test(text) && !LONE_SURROGATE.test(text);
}

/** Every string in a JSON value (object keys included) is a plain value; walked without recursion. */
function plainJson(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (!plainValue(item)) return false;
    } else if (Array.isArray(item)) {
      pending.push(...item);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, nested] of Object.entries(item)) {
        if (!plainValue(key)) return false;
        pending.push(nested);
      }
    }
  }
  return true;
}

/** A forwarded claim as JSON: its type survives the trip (`"123"` ≠ `123`, `"a b"` ≠ `["a","b"]`). */
export function claimJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
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
