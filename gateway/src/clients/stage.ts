// Stage 3 (client): which client profile a request runs under. Quotas and (later) per-client
// policy key on it; it is decided once, here, from the verified identity only, so a client cannot
// pick its own profile with a header.
import type { Identity } from '../core/identity.ts';

/** The profile of a request without a credential. */
export const ANONYMOUS_PROFILE = 'anonymous';
/** The profile of a verified caller whose credential names none (e.g. a JWT without one). */
export const DEFAULT_PROFILE = 'default';

/** Stage 3's output. */
export interface ClientProfile {
  /** `anonymous`, `default`, or the profile the API key (or token) names. */
  profile: string;
}

const ANONYMOUS: ClientProfile = Object.freeze({ profile: ANONYMOUS_PROFILE });
const DEFAULT: ClientProfile = Object.freeze({ profile: DEFAULT_PROFILE });

export class ClientStage {
  run(identity: Identity | undefined): ClientProfile {
    if (identity === undefined) return ANONYMOUS;
    return identity.profile === undefined ? DEFAULT : { profile: identity.profile };
  }
}
