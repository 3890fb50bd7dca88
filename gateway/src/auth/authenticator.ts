import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { authenticationUnavailable, unauthenticated as unauthenticatedError, type GatewayError } from '../core/errors.ts';
import { ApiKeyVerifier } from './api-keys.ts';
import type { AuthenticationConfig, JwtConfig } from './config.ts';
import type { Identity } from '../core/identity.ts';
import { identityHeaders } from './identity.ts';
import { RemoteJwks } from './jwks-cache.ts';
import { InvalidTokenError, JwtVerifier, KeysUnavailableError } from './jwt.ts';
import type { KeySource } from './keys.ts';
import { LocalKeySource } from './local-keys.ts';

/** Stage 2's output: who is calling, and the headers every subgraph request carries for them. */
export interface Authentication {
  /** Undefined: anonymous. */
  identity: Identity | undefined;
  /** Gateway-owned identity headers (`x-tollgate-sub`, ...), the same for every subgraph. */
  subgraphHeaders: Readonly<Record<string, string>>;
  /**
   * Set only when some subgraph is configured to receive the raw bearer token
   * (`authentication.forward_authorization`): the headers for that subgraph by name.
   */
  subgraphHeadersFor?: (subgraph: string) => Readonly<Record<string, string>>;
}

export interface Authenticator {
  /** Stage 2 (identify). Throws GatewayError UNAUTHENTICATED (401) or AUTHENTICATION_UNAVAILABLE (503). */
  identify(headers: IncomingHttpHeaders): Promise<Authentication>;
  /**
   * Whether the request presents a credential (a token header or cookie, or an API key), valid or
   * not: only such requests are counted and held back by the failed-authentication limiter.
   */
  presentsCredential(headers: IncomingHttpHeaders): boolean;
  /**
   * The request headers a credential travels in (the JWT header and cookie, the API-key header):
   * a cacheable answer varies on them (pipeline.ts), since one with a credential is another answer.
   */
  readonly credentialHeaders: readonly string[];
  /**
   * The 401 of a request that lacks a credential where one is needed (here with
   * `authentication.required`, in stage 3 for a profile that requires one): `message` followed by
   * the credentials to send, and a `WWW-Authenticate` challenge for each configured scheme.
   */
  missingCredential(message: string, reason: string): GatewayError;
  /** JWKS fetch counters, by config label. */
  jwksStats(): Record<string, { fetches: number; failures: number; keys: number }>;
  close(): void;
}

export interface AuthenticatorOptions {
  logger: Logger;
  /** Key files resolve against this (the config file's folder). */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  /** Clock for token and cache checks (ms since the epoch); tests inject one. */
  now?: () => number;
}

const REALM = 'tollgate';
const ANONYMOUS: Authentication = Object.freeze({ identity: undefined, subgraphHeaders: Object.freeze({}) });

/**
 * Builds stage 2 from `authentication`: loads key files and secrets (a problem there fails
 * start-up naming the key) and starts fetching every JWKS (a failure there is only logged: the
 * cache retries when a token needs it).
 */
export async function createAuthenticator(config: AuthenticationConfig, options: AuthenticatorOptions): Promise<Authenticator> {
  const logger = options.logger.child({ component: 'authentication' });
  const remote: RemoteJwks[] = [];
  let jwt: JwtVerifier | undefined;
  if (config.jwt) {
    const sources: KeySource[] = [];
    config.jwt.jwks.forEach((source, i) => {
      const jwks = new RemoteJwks({
        label: `authentication.jwt.jwks.${i}`,
        url: source.url,
        algorithms: source.algorithms,
        issuers: source.issuers,
        audiences: source.audiences,
        pollIntervalMs: source.poll_interval_s * 1000,
        cooldownMs: source.cooldown_s * 1000,
        timeoutMs: source.timeout_ms,
        logger,
        now: options.now,
      });
      remote.push(jwks);
      sources.push(jwks);
    });
    for (const [i, key] of config.jwt.keys.entries()) {
      sources.push(await LocalKeySource.load(`authentication.jwt.keys.${i}`, key, options.baseDir, options.env ?? process.env));
    }
    jwt = new JwtVerifier(sources, config.jwt, options.now);
    for (const jwks of remote) void jwks.warm();
  }
  const apiKeys = config.api_keys ? new ApiKeyVerifier(config.api_keys) : undefined;
  const forwardTo = new Set(config.forward_authorization);
  const headersByIdentity = new WeakMap<Identity, Readonly<Record<string, string>>>();

  const headersOf = (identity: Identity): Readonly<Record<string, string>> => {
    let headers = headersByIdentity.get(identity);
    if (headers === undefined) {
      headers = Object.freeze(identityHeaders(identity, config.subgraph_headers));
      headersByIdentity.set(identity, headers);
    }
    return headers;
  };

  const apiKeyHeader = config.api_keys?.header_name;
  const describeMissing = [jwt ? 'a bearer token' : undefined, apiKeyHeader ? `an API key (${apiKeyHeader})` : undefined]
    .filter(Boolean)
    .join(' or ') || 'a credential';
  // One challenge per scheme a client may answer with (RFC 9110 11.6.1: a list is allowed).
  const challenges = [jwt || !apiKeyHeader ? `Bearer realm="${REALM}"` : undefined, apiKeyHeader ? `ApiKey realm="${REALM}"` : undefined].filter(Boolean).join(', ');
  const missingCredential = (message: string, reason: string) => unauthenticatedError(`${message}: send ${describeMissing}`, reason, challenges);
  const credentialHeaders = Object.freeze(
    [config.jwt?.header_name, config.jwt?.cookie === undefined ? undefined : 'cookie', apiKeyHeader].filter((name): name is string => name !== undefined),
  );

  return {
    async identify(headers) {
      const presentedKey = apiKeyHeader === undefined ? undefined : single(headers[apiKeyHeader]);
      const bearer = jwt ? bearerToken(headers, config.jwt as JwtConfig) : undefined;
      // One rule for a token (header or cookie) beside an API key: neither is picked, both refused.
      if ((bearer?.from === 'header' || bearer?.from === 'cookie') && presentedKey !== undefined) {
        throw unauthenticated('ambiguous', 'Send one credential: a bearer token or an API key, not both');
      }
      // A header without the token prefix (e.g. Basic) is refused, unless an API key is the credential.
      if (bearer?.from === 'malformed' && presentedKey === undefined) {
        throw invalidToken(new InvalidTokenError('malformed', `(expected "${(config.jwt as JwtConfig).header_value_prefix} <token>")`));
      }
      if (presentedKey !== undefined) {
        const identity = (apiKeys as ApiKeyVerifier).verify(presentedKey);
        if (!identity) throw unauthenticatedError('Invalid API key', 'invalid_api_key', `ApiKey realm="${REALM}"`);
        return { identity, subgraphHeaders: headersOf(identity) };
      }
      if (bearer !== undefined && bearer.from !== 'malformed') {
        if (bearer.token === '') throw invalidToken(new InvalidTokenError('malformed'));
        let identity: Identity;
        try {
          ({ identity } = await (jwt as JwtVerifier).verify(bearer.token));
        } catch (error) {
          if (error instanceof InvalidTokenError) throw invalidToken(error);
          if (error instanceof KeysUnavailableError) {
            logger.debug({ cause: error.message }, 'token refused: its signing keys are unavailable');
            throw authenticationUnavailable();
          }
          throw error;
        }
        const subgraphHeaders = headersOf(identity);
        if (forwardTo.size === 0) return { identity, subgraphHeaders };
        const withToken = Object.freeze({ ...subgraphHeaders, authorization: `Bearer ${bearer.token}` });
        return {
          identity,
          subgraphHeaders,
          subgraphHeadersFor: (subgraph) => (forwardTo.has(subgraph) ? withToken : subgraphHeaders),
        };
      }
      if (config.required) throw missingCredential('Authentication required', 'missing');
      return ANONYMOUS;
    },
    credentialHeaders,
    missingCredential,
    presentsCredential(headers) {
      if (apiKeyHeader !== undefined && single(headers[apiKeyHeader]) !== undefined) return true;
      const jwtConfig = config.jwt;
      if (jwtConfig === undefined) return false;
      if (single(headers[jwtConfig.header_name]) !== undefined) return true;
      return jwtConfig.cookie !== undefined && cookieValue(headers.cookie, jwtConfig.cookie) !== undefined;
    },
    jwksStats() {
      return Object.fromEntries(remote.map((jwks) => [jwks.label, jwks.stats()]));
    },
    close() {
      for (const jwks of remote) jwks.close();
    },
  };
}

function invalidToken(error: InvalidTokenError): GatewayError {
  const description = error.message.replace(/["\\]/g, '');
  return unauthenticatedError(
    error.message,
    error.reason,
    `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`,
  );
}

function unauthenticated(reason: string, message: string): GatewayError {
  return unauthenticatedError(message, reason, `Bearer realm="${REALM}", error="invalid_request"`);
}

/**
 * The token from the configured header (`<prefix> <token>`, prefix case-insensitive), else from
 * the cookie when one is configured. A header without the prefix is `malformed`: an invalid token,
 * not an absent one.
 */
function bearerToken(
  headers: IncomingHttpHeaders,
  jwt: JwtConfig,
): { token: string; from: 'header' | 'cookie' | 'malformed' } | undefined {
  const value = single(headers[jwt.header_name]);
  if (value !== undefined) {
    const prefix = jwt.header_value_prefix;
    if (prefix === '') return { token: value.trim(), from: 'header' };
    if (value.length <= prefix.length || value.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase() || value[prefix.length] !== ' ') {
      return { token: '', from: 'malformed' };
    }
    return { token: value.slice(prefix.length + 1).trim(), from: 'header' };
  }
  if (jwt.cookie !== undefined) {
    const token = cookieValue(headers.cookie, jwt.cookie);
    if (token !== undefined) return { token, from: 'cookie' };
  }
  return undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1 || part.slice(0, separator).trim() !== name) continue;
    let value = part.slice(separator + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return value === '' ? undefined : value;
  }
  return undefined;
}
