import { z } from 'zod';
import { configBoolean } from '../core/config-values.ts';

/** One client profile's policy (`clients.profiles.<name>`). */
const profileSchema = z.strictObject({
  /** Only trusted documents (`persisted_documents`), by id; a query is refused (PERSISTED_QUERY_ONLY). Default false. */
  persisted_only: configBoolean().default(false),
});

/**
 * `clients`: stage 3's client profiles (mobile, web, partner, …): what each kind of client may
 * send. A request's profile comes from its credential (stage 2); a profile not listed here runs
 * under `default`'s policy (built in: free-form queries allowed).
 */
export const clientsConfigSchema = z.strictObject({
  /** Profiles by name; `default` applies to every request whose profile is not listed. Default none. */
  profiles: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-" only'), profileSchema).default({}),
});

export type ClientsConfig = z.infer<typeof clientsConfigSchema>;
export type ProfileConfig = z.infer<typeof profileSchema>;
