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
