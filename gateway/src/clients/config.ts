import { z } from 'zod';
import { configBoolean, configNumber, corsOriginFields } from '../core/config-values.ts';

const positiveInt = () => configNumber(z.number().int().positive());
const headerName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case HTTP header name');
// Header values the gateway sends to subgraphs: printable text, no control characters.
const headerValue = z.string().regex(/^[\x20-\x7e]*$/, 'printable ASCII only (no control characters)');
const clientName = z.string().min(1).max(200).regex(/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/, 'printable ASCII, no leading or trailing spaces');

/** One client profile's policy (`clients.profiles.<name>`). */
const profileSchema = z.strictObject({
  /** Only trusted documents (`persisted_documents`), by id; a query is refused (PERSISTED_QUERY_ONLY). Default false. */
  persisted_only: configBoolean().default(false),
  /**
   * Requests under this profile must carry a verified credential: it is reached only by a
   * credential naming it (an API key's `profile`, the JWT profile claim), never by a client-name
   * header (so `client_names` is refused with it), and an anonymous request that would fall into it
   * (`anonymous` / `default`) gets 401. Default false.
   */
  require_authentication: configBoolean().default(false),
  /**
   * `apollographql-client-name` values (`clients.name_header`) that select this profile's policy when
   * the credential names none (never its quota: stage 3's `quotaProfile`); default none.
   */
  client_names: z.array(clientName).default([]),
  /** Introspection for this profile; default `server.introspection`. */
  introspection: configBoolean().optional(),
  /** Document limits over `limits.*` (as `limits.profiles.<name>`); default none. */
  limits: z
    .strictObject({
      max_depth: positiveInt().optional(),
      max_height: positiveInt().optional(),
      max_aliases: positiveInt().optional(),
      max_root_fields: positiveInt().optional(),
      max_directives_per_field: positiveInt().optional(),
    })
    .optional(),
  /** Highest estimated cost admitted, over `demand_control.strategy.static_estimated.max`; default that. */
  max_cost: positiveInt().optional(),
  /** Headers added to every subgraph request of this profile (e.g. x-client-platform: ios); default none. */
  subgraph_headers: z.record(headerName, headerValue).default({}),
  /**
   * The browser origins that may read this profile's answers, instead of `cors.origins` /
   * `match_origins` (the rest of `cors` applies as set there); default: those. `origins: []` lets no
   * page of another origin read them (e.g. a partner's servers).
   */
  cors: z.strictObject(corsOriginFields()).optional(),
});

/**
 * `clients`: stage 3's client profiles (mobile, web, partner, …): what each kind of client may
 * send. A request's profile comes from its credential (API key `profile`, the JWT claim
 * `authentication.jwt.profile_claim`), else from the client-name header where a profile allows
 * it; a profile not listed here runs under `default`'s policy (built in: everything allowed).
 */
export const clientsConfigSchema = z
  .strictObject({
    /** Header naming the client app, as Apollo clients send it; default apollographql-client-name. */
    name_header: headerName.default('apollographql-client-name'),
    /** Header giving the client app's version (access log and traces, never a metric label); default apollographql-client-version. */
    version_header: headerName.default('apollographql-client-version'),
    /** Profiles by name; `default` applies to every request whose profile is not listed. Default none. */
    profiles: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only'), profileSchema).default({}),
  })
  .superRefine((clients, ctx) => {
    const owner = new Map<string, string>();
    for (const [profile, policy] of Object.entries(clients.profiles)) {
      // Anyone can send any client name: a profile that needs a credential must not be reachable by one.
      if (policy.require_authentication && policy.client_names.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['profiles', profile, 'client_names'],
          message: 'not allowed with require_authentication: such a profile is reached only by a credential naming it (an API key\'s `profile`, the JWT claim authentication.jwt.profile_claim), never by a client-name header',
        });
      }
      for (const [index, name] of policy.client_names.entries()) {
        const other = owner.get(name);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['profiles', profile, 'client_names', index], message: `"${name}" already selects profile ${other}` });
        owner.set(name, profile);
      }
    }
  });

export type ClientsConfig = z.infer<typeof clientsConfigSchema>;
export type ProfileConfig = z.infer<typeof profileSchema>;
