import { z } from 'zod';
import { configNumber, configBoolean } from '../core/config-values.ts';

/** `server`: where the gateway listens and which paths it answers. */
export const serverConfigSchema = z.strictObject({
  /** host:port to listen on; default 0.0.0.0:4000 (the demo sets PORT). */
  listen: z
    .string()
    .regex(/^.+:\d+$/, 'expected "host:port"')
    .refine((value) => Number(value.slice(value.lastIndexOf(':') + 1)) <= 65535, 'the port must be 0 to 65535')
    .default('0.0.0.0:4000'),
  /** GraphQL endpoint path; default /graphql. */
  graphql_path: z.string().startsWith('/').default('/graphql'),
  /** Liveness path: 200 while the process runs; default /health. */
  health_path: z.string().startsWith('/').default('/health'),
  /** Readiness path: 200 once the supergraph is loaded, 503 before; default /ready. */
  ready_path: z.string().startsWith('/').default('/ready'),
  /** Allow schema introspection queries; default true. */
  introspection: configBoolean().default(true),
  /** Put error stacks and subgraph error detail into responses; default false. Never in production. */
  debug: configBoolean().default(false),
});

/** `csrf`: Apollo's CSRF prevention (a GET or simple POST must carry a non-simple header); as router.yaml. */
export const csrfConfigSchema = z.strictObject({
  /** Turn CSRF prevention off; default false. Only for APIs no browser talks to with cookies. */
  unsafe_disabled: configBoolean().default(false),
});

/** `limits`: bounds that hostile input meets before any parsing work is spent on it. */
export const limitsConfigSchema = z.strictObject({
  /** Largest request body in bytes; larger gets 413. Default 2 MB, as Apollo Router. */
  http_max_request_bytes: configNumber(z.number().int().positive()).default(2_000_000),
  /** Most lexer tokens a document may have before parsing stops; default 15000, as Apollo Router. */
  parser_max_tokens: configNumber(z.number().int().positive()).default(15_000),
});

export type ServerConfig = z.infer<typeof serverConfigSchema>;
export type LimitsConfig = z.infer<typeof limitsConfigSchema>;
