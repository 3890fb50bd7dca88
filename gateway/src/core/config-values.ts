// Numbers and booleans in config files may come from the environment: `${PORT}` expands to the
// string "8080", so these schemas take "8080" / "true" / "false" as the number or boolean they
// spell (YAML's own 8080 and true work as always). Anything else stays a type error naming the key.
import { z } from 'zod';

const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;

/** `schema` (a z.number() with its checks) that also takes a decimal string, e.g. from `${VAR}`. */
export function configNumber<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (typeof value === 'string' && NUMBER_TEXT.test(value.trim()) ? Number(value) : value), schema);
}

/** z.boolean() that also takes "true" or "false", e.g. from `${VAR}`. */
export function configBoolean() {
  return z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());
}

/** A "host:port" to listen on (`server.listen`, `telemetry.metrics.listen`). */
export function listenAddress() {
  return z
    .string()
    .regex(/^.+:\d+$/, 'expected "host:port"')
    .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'the port must be 0 to 65535');
}

/**
 * An origin as browsers send it in `Origin`: scheme://host[:port], lower case, no path and no
 * trailing slash (`https://app.example.com`, `capacitor://localhost`). `null` (sandboxed frames,
 * files) and `*` are refused: any page can send `null`, and `*` is `cors.allow_any_origin`.
 */
const corsOrigin = z
  .string()
  .refine((value) => value !== '*', 'not an origin: for any origin set cors.allow_any_origin')
  .refine((value) => value !== 'null', 'the "null" origin is sent by sandboxed frames and files, which any page can make: not allowed')
  .pipe(z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/[a-z0-9.\-[\]:]+$/, 'expected an origin as browsers send it: scheme://host[:port], lower case, no path or trailing slash'));

/** A regular expression an origin must match whole (as if wrapped in ^(?:…)$). */
const corsOriginPattern = z.string().min(1).refine((pattern) => {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

/** The origins a CORS policy allows (`cors`, `clients.profiles.<name>.cors`), as router.yaml names them. */
export function corsOriginFields() {
  return {
    /** Exact origins; default none. */
    origins: z.array(corsOrigin).default([]),
    /** Regular expressions matched against the whole origin; default none. */
    match_origins: z.array(corsOriginPattern).default([]),
  };
}
