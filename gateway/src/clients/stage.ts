// Stage 3 (client): which client profile a request runs under, and that profile's policy
// (`clients.profiles`). Quotas, document limits and persisted-only mode key on it; it is decided
// once, here, from the verified identity only, so a client cannot pick its own profile with a header.
import type { Identity } from '../core/identity.ts';
import type { ClientsConfig, ProfileConfig } from './config.ts';

/** The profile of a request without a credential. */
export const ANONYMOUS_PROFILE = 'anonymous';
/** The profile of a verified caller whose credential names none (e.g. a JWT without one). */
export const DEFAULT_PROFILE = 'default';

/** Stage 3's output. */
export interface ClientProfile {
  /** `anonymous`, `default`, or the profile the API key (or token) names. */
  profile: string;
  /** Its policy: `clients.profiles.<profile>`, else `clients.profiles.default`, else the built-in default. */
  policy: ProfileConfig;
}

/** The policy of a profile nobody configured: everything as without profiles. */
const BUILT_IN_DEFAULT: ProfileConfig = Object.freeze({ persisted_only: false });

export class ClientStage {
  readonly #profiles: ReadonlyMap<string, ProfileConfig>;
  readonly #default: ProfileConfig;
  readonly #anonymous: ClientProfile;
  readonly #authenticatedDefault: ClientProfile;

  constructor(config: ClientsConfig = { profiles: {} }) {
    this.#profiles = new Map(Object.entries(config.profiles));
    this.#default = this.#profiles.get(DEFAULT_PROFILE) ?? BUILT_IN_DEFAULT;
    this.#anonymous = Object.freeze(this.resolved(ANONYMOUS_PROFILE));
    this.#authenticatedDefault = Object.freeze(this.resolved(DEFAULT_PROFILE));
  }

  run(identity: Identity | undefined): ClientProfile {
    if (identity === undefined) return this.#anonymous;
    return identity.profile === undefined ? this.#authenticatedDefault : this.resolved(identity.profile);
  }

  private resolved(profile: string): ClientProfile {
    return { profile, policy: this.#profiles.get(profile) ?? this.#default };
  }
}
