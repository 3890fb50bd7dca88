// Stage 3 (client): which client profile a request runs under, and that profile's policy
// (`clients.profiles`). Document limits, introspection, cost, CORS and persisted-only mode key on
// it. The verified credential decides first (an API key's profile, a JWT's profile claim); only
// without one does the client-name header count, and never for a profile that requires
// authentication, so a forged `apollographql-client-name` cannot pick a privileged profile.
// Anyone can send any client name, so it chooses policy only, never a quota: quotas count a request
// under `quotaProfile`, the profile it would have without that header. When the policy of an
// anonymous request's fallback (`anonymous`, else `default`) requires authentication, every
// anonymous request is refused, whatever client name it sends: the operator meant "no anonymous
// requests", and a client name must not open a way around that.
import type { IncomingHttpHeaders } from 'node:http';
import { boundedText } from '../core/bounded-text.ts';
import { unauthenticated, type GatewayError } from '../core/errors.ts';
import type { Identity } from '../core/identity.ts';
import type { ClientsConfig, ProfileConfig } from './config.ts';

/** The profile of a request without a credential. */
export const ANONYMOUS_PROFILE = 'anonymous';
/** The profile of a verified caller whose credential names none (e.g. a JWT without one). */
export const DEFAULT_PROFILE = 'default';

/** Stage 3's output. */
export interface ClientProfile {
  /** The profile's name: limits, policy and logs key on it. */
  profile: string;
  /**
   * The profile quotas count the request under (stage 5: key and limits): the credential's, else
   * `default` with a credential, `anonymous` without one. Never chosen by the client-name header,
   * so a client name cannot buy a caller a fresh bucket or another profile's limits.
   */
  quotaProfile: string;
  /** Its policy: `clients.profiles.<profile>`, else `clients.profiles.default`, else the built-in default. */
  policy: ProfileConfig;
  /** What chose it: the credential, the client-name header, or neither (`anonymous` / `default`). */
  source: 'credential' | 'client_name' | 'fallback';
}

/** What stage 2 accepts as a credential (auth/authenticator.ts's Authenticator gives it). */
export interface Credentials {
  /** The request headers a credential travels in. */
  readonly credentialHeaders: readonly string[];
  /** The 401 of a request without a credential: the credentials to send and their challenges, as stage 2 words it. */
  missingCredential(message: string, reason: string): GatewayError;
}

/** No credential configured: nothing to vary on; a refusal offers the Bearer scheme. */
const NO_CREDENTIALS: Credentials = {
  credentialHeaders: [],
  missingCredential: (message, reason) => unauthenticated(`${message}: send a credential`, reason, 'Bearer realm="tollgate"'),
};

/** The client app as it names itself: never trusted for anything but logs, traces and the client metric label. */
export interface ClientApp {
  name: string | undefined;
  version: string | undefined;
}

/** Longest client name or version kept whole (characters), as the access log keeps operation names. */
export const MAX_CLIENT_APP_CHARS = 200;

/** The policy of a profile nobody configured: everything as without profiles. */
const BUILT_IN_DEFAULT: ProfileConfig = Object.freeze({ persisted_only: false, require_authentication: false, client_names: [], subgraph_headers: {} });

export class ClientStage {
  /** Every resolution made ahead: a request allocates nothing here. */
  readonly #profiles = new Map<string, ClientProfile>();
  /** Per client name: the profile it picks without a credential, and with one (they differ in `quotaProfile` only). */
  readonly #byClientName = new Map<string, { anonymous: ClientProfile; authenticated: ClientProfile }>();
  readonly #fallbacks = new Map<string, ClientProfile>();
  readonly #default: ProfileConfig;
  readonly #configured: boolean;
  readonly #nameHeader: string;
  readonly #versionHeader: string;
  readonly #credentials: Credentials;
  /** The profile whose policy makes anonymous requests require authentication (`anonymous` or `default`); undefined: they may run. */
  readonly #anonymousRefusedBy: string | undefined;
  /**
   * The request headers that choose a request's profile, comma-separated: the credential's, and
   * the client-name header when a profile lists `client_names`. CORS headers, status and limits
   * follow the profile, so a cacheable answer varies on them (`vary`, with core/vary.ts).
   */
  readonly varyOn: string;

  constructor(config: ClientsConfig = { name_header: 'apollographql-client-name', version_header: 'apollographql-client-version', profiles: {} }, credentials: Credentials = NO_CREDENTIALS) {
    this.#nameHeader = config.name_header;
    this.#versionHeader = config.version_header;
    this.#credentials = credentials;
    this.#configured = Object.keys(config.profiles).length > 0;
    this.#default = config.profiles[DEFAULT_PROFILE] ?? BUILT_IN_DEFAULT;
    const anonymousPolicyOwner = config.profiles[ANONYMOUS_PROFILE] ? ANONYMOUS_PROFILE : config.profiles[DEFAULT_PROFILE] ? DEFAULT_PROFILE : undefined;
    this.#anonymousRefusedBy = anonymousPolicyOwner !== undefined && config.profiles[anonymousPolicyOwner]?.require_authentication ? anonymousPolicyOwner : undefined;
    // Without client names the client-name header changes nothing in an answer: no need to split caches on it.
    const byName = Object.values(config.profiles).some((policy) => policy.client_names.length > 0) ? [config.name_header] : [];
    this.varyOn = [...credentials.credentialHeaders, ...byName].join(', ');
    for (const [profile, policy] of Object.entries(config.profiles)) {
      this.#profiles.set(profile, Object.freeze({ profile, quotaProfile: profile, policy, source: 'credential' }));
      // Config refuses client names on such a profile (clients/config.ts); never picked by one regardless.
      if (policy.require_authentication) continue;
      const byName = {
        anonymous: Object.freeze({ profile, quotaProfile: ANONYMOUS_PROFILE, policy, source: 'client_name' as const }),
        authenticated: Object.freeze({ profile, quotaProfile: DEFAULT_PROFILE, policy, source: 'client_name' as const }),
      };
      for (const name of policy.client_names) this.#byClientName.set(name, byName);
    }
    for (const profile of [ANONYMOUS_PROFILE, DEFAULT_PROFILE]) {
      this.#fallbacks.set(profile, Object.freeze({ profile, quotaProfile: profile, policy: config.profiles[profile] ?? this.#default, source: 'fallback' }));
    }
  }

  /**
   * Throws UNAUTHENTICATED for a request without a credential when its fallback's policy requires
   * one, whatever client name it sends (a client name never reaches a profile that requires one:
   * config refuses it). The message names the profile whose policy it is.
   */
  run(identity: Identity | undefined, headers: IncomingHttpHeaders): ClientProfile {
    if (identity === undefined && this.#anonymousRefusedBy !== undefined) {
      throw this.#credentials.missingCredential(`Client profile ${this.#anonymousRefusedBy} requires authentication`, 'profile_requires_authentication');
    }
    return this.resolve(identity, headers);
  }

  /** The client-name and client-version headers, bounded and printable (anyone can send anything there). */
  app(headers: IncomingHttpHeaders): ClientApp {
    return { name: sanitized(headers[this.#nameHeader]), version: sanitized(headers[this.#versionHeader]) };
  }

  private resolve(identity: Identity | undefined, headers: IncomingHttpHeaders): ClientProfile {
    const named = identity?.profile;
    if (named !== undefined) {
      // With profiles configured, a profile nobody listed (a JWT's claim) runs as `default`.
      const known = this.#profiles.get(named);
      if (known !== undefined) return known;
      return this.#configured ? (this.#fallbacks.get(DEFAULT_PROFILE) as ClientProfile) : { profile: named, quotaProfile: named, policy: this.#default, source: 'credential' };
    }
    const clientName = headers[this.#nameHeader];
    if (typeof clientName === 'string') {
      const byName = this.#byClientName.get(clientName);
      if (byName !== undefined) return identity === undefined ? byName.anonymous : byName.authenticated;
    }
    return this.#fallbacks.get(identity === undefined ? ANONYMOUS_PROFILE : DEFAULT_PROFILE) as ClientProfile;
  }
}

/** A client-sent header value for logs and labels: printable ASCII (others become "?"), cut at MAX_CLIENT_APP_CHARS with its length said. */
function sanitized(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const printable = PRINTABLE.test(value) ? value : value.replace(NOT_PRINTABLE, '?');
  return boundedText(printable, MAX_CLIENT_APP_CHARS);
}

const PRINTABLE = /^[\x20-\x7e]*$/;
const NOT_PRINTABLE = /[^\x20-\x7e]/g;
