// CORS (`cors`, and a client profile's own `clients.profiles.<name>.cors`): which browser pages of
// other origins may call the gateway and read its answers. Off by default: no origin listed, no
// CORS header, and browsers keep other origins' pages out.
//
// A profile's origins are known only once stage 3 has run, and a preflight (OPTIONS) carries no
// credential and no client name, so no profile: the preflight is answered for every origin that
// any policy allows (the gateway's and every profile's), and the actual request's answer carries
// `access-control-allow-origin` only when its own profile allows the origin; otherwise the browser
// withholds the answer from the page. Answers given before stage 3 (a malformed request, a refused
// credential) carry nothing profile-specific, so they use the preflight's set, and the page can
// read why it was refused. An origin is never echoed unless a policy lists or matches it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appendVary } from '../core/vary.ts';
import type { CorsConfig } from './config.ts';

/** The origins one policy allows: `cors.origins` / `match_origins`, or a profile's own. */
export interface CorsOrigins {
  readonly origins: readonly string[];
  readonly match_origins: readonly string[];
}

/** Longest `Origin` considered (a real one is a scheme and a host name: far shorter). */
const MAX_ORIGIN_LENGTH = 512;
/** Longest `access-control-request-headers` echoed back when `allow_headers` is empty. */
const MAX_REQUEST_HEADERS_LENGTH = 1024;
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;
const PREFLIGHT_VARY = 'origin, access-control-request-method, access-control-request-headers';

/** Which origins one policy allows, compiled once. */
class OriginMatcher {
  readonly #exact: ReadonlySet<string>;
  readonly #patterns: readonly RegExp[];

  constructor(
    policies: readonly CorsOrigins[],
    readonly any = false,
  ) {
    this.#exact = new Set(policies.flatMap((policy) => policy.origins));
    this.#patterns = policies.flatMap((policy) => policy.match_origins.map((pattern) => new RegExp(`^(?:${pattern})$`)));
  }

  get empty(): boolean {
    return !this.any && this.#exact.size === 0 && this.#patterns.length === 0;
  }

  allows(origin: string): boolean {
    if (this.any) return true;
    if (this.#exact.has(origin)) return true;
    if (origin.length > MAX_ORIGIN_LENGTH) return false;
    for (const pattern of this.#patterns) if (pattern.test(origin)) return true;
    return false;
  }
}

export class Cors {
  readonly #gateway: OriginMatcher;
  /** Every policy together: preflights and answers before stage 3. */
  readonly #union: OriginMatcher;
  /** Each profile's own, by its config object (stage 3 hands over the very same object). */
  readonly #profiles = new Map<CorsOrigins, OriginMatcher>();
  readonly #methods: string;
  /** `methods` less those a GET-only path refuses (POST): REST endpoints and the OpenAPI document; undefined when none is left. */
  readonly #getOnlyMethods: string | undefined;
  readonly #allowHeaders: string | undefined;
  readonly #exposeHeaders: string | undefined;
  readonly #maxAge: string | undefined;

  /** Undefined when no policy allows any origin: CORS is off and costs a request nothing. */
  static create(config: CorsConfig, profiles: readonly (CorsOrigins | undefined)[]): Cors | undefined {
    const own = profiles.filter((policy): policy is CorsOrigins => policy !== undefined);
    const union = new OriginMatcher([config, ...own], config.allow_any_origin);
    return union.empty ? undefined : new Cors(config, own, union);
  }

  private constructor(
    private readonly config: CorsConfig,
    profiles: readonly CorsOrigins[],
    union: OriginMatcher,
  ) {
    this.#gateway = new OriginMatcher([config], config.allow_any_origin);
    this.#union = union;
    for (const policy of profiles) this.#profiles.set(policy, new OriginMatcher([policy]));
    this.#methods = config.methods.join(', ');
    const getOnly = config.methods.filter((method) => method !== 'POST');
    this.#getOnlyMethods = getOnly.length > 0 ? getOnly.join(', ') : undefined;
    this.#allowHeaders = config.allow_headers.length > 0 ? config.allow_headers.join(', ') : undefined;
    this.#exposeHeaders = config.expose_headers.length > 0 ? config.expose_headers.join(', ') : undefined;
    this.#maxAge = config.max_age_s === undefined ? undefined : String(config.max_age_s);
  }

  /** A CORS preflight: OPTIONS from a page, naming the method it wants to use. */
  isPreflight(req: IncomingMessage): boolean {
    return req.method === 'OPTIONS' && typeof req.headers.origin === 'string' && typeof req.headers['access-control-request-method'] === 'string';
  }

  /**
   * Answers a preflight (204): the CORS headers when some policy allows the origin, else none.
   * `getOnly`: the path answers GET only (a REST endpoint, the OpenAPI document), so POST is not
   * advertised (it would get 405).
   */
  preflight(req: IncomingMessage, res: ServerResponse, getOnly = false): void {
    appendVary(res, PREFLIGHT_VARY);
    const origin = req.headers.origin as string;
    if (this.#union.allows(origin)) {
      this.allowOrigin(res, origin, this.#union);
      const methods = getOnly ? this.#getOnlyMethods : this.#methods;
      if (methods !== undefined) res.setHeader('access-control-allow-methods', methods);
      const headers = this.#allowHeaders ?? requestedHeaders(req);
      if (headers !== undefined) res.setHeader('access-control-allow-headers', headers);
      if (this.#maxAge !== undefined) res.setHeader('access-control-max-age', this.#maxAge);
    }
    res.statusCode = 204;
    res.setHeader('content-length', '0');
    res.end();
  }

  /**
   * Before stage 3: an answer may be read by any origin some policy allows. Also the whole policy of
   * the OpenAPI document: the same public text for every caller, with no profile to narrow it, so
   * it follows the preflight's set (a page whose preflight was allowed can read it).
   */
  beforeProfile(req: IncomingMessage, res: ServerResponse): void {
    appendVary(res, 'origin');
    const origin = req.headers.origin;
    if (origin !== undefined && this.#union.allows(origin)) this.allowOrigin(res, origin, this.#union);
  }

  /** After stage 3: only the profile's own origins (`undefined`: the profile has none of its own, `cors`'s apply). */
  forProfile(req: IncomingMessage, res: ServerResponse, profile: CorsOrigins | undefined): void {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    const matcher = profile === undefined ? this.#gateway : this.matcherOf(profile);
    if (matcher.allows(origin)) {
      this.allowOrigin(res, origin, matcher);
    } else {
      res.removeHeader('access-control-allow-origin');
      res.removeHeader('access-control-allow-credentials');
      res.removeHeader('access-control-expose-headers');
    }
  }

  private matcherOf(profile: CorsOrigins): OriginMatcher {
    let matcher = this.#profiles.get(profile);
    if (matcher === undefined) {
      matcher = new OriginMatcher([profile]);
      this.#profiles.set(profile, matcher);
    }
    return matcher;
  }

  private allowOrigin(res: ServerResponse, origin: string, matcher: OriginMatcher): void {
    res.setHeader('access-control-allow-origin', matcher.any ? '*' : origin);
    if (this.config.allow_credentials) res.setHeader('access-control-allow-credentials', 'true');
    if (this.#exposeHeaders !== undefined) res.setHeader('access-control-expose-headers', this.#exposeHeaders);
  }
}

/** The preflight's `access-control-request-headers`, echoed when `allow_headers` is empty: header names only, bounded. */
function requestedHeaders(req: IncomingMessage): string | undefined {
  const requested = req.headers['access-control-request-headers'];
  if (typeof requested !== 'string' || requested.length > MAX_REQUEST_HEADERS_LENGTH) return undefined;
  const trimmed = requested.trim();
  return HEADER_LIST.test(trimmed) ? trimmed : undefined;
}
