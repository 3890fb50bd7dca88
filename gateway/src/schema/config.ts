import { z } from 'zod';
import { configBoolean, configNumber } from '../core/config-values.ts';

/** `supergraph`: where the schema comes from — a composed SDL file or a supergraph.yaml composed at start-up. */
export const supergraphConfigSchema = z
  .strictObject({
    /** Path to a supergraph SDL file (output of `tollgate compose` or `rover supergraph compose`). */
    file: z.string().min(1).optional(),
    /** Path to a rover-format supergraph.yaml, composed when the gateway starts. */
    compose: z.string().min(1).optional(),
    /** Timeout for introspecting `schema.subgraph_url` entries while composing; default 10000 ms. */
    introspection_timeout_ms: configNumber(z.number().int().positive()).default(10_000),
    /**
     * Hot reload: watch `file` (or re-compose `compose` every `poll_interval_ms`) and swap to a new
     * supergraph without dropping a request; an invalid one is refused and logged. Default true.
     */
    watch: configBoolean().default(true),
    /** How often `compose` is re-composed to notice changed subgraph schemas; default 10000 ms. */
    poll_interval_ms: configNumber(z.number().int().positive()).default(10_000),
  })
  .refine((s) => (s.file === undefined) !== (s.compose === undefined), {
    message: 'set exactly one of supergraph.file or supergraph.compose',
  });

export type SupergraphConfig = z.infer<typeof supergraphConfigSchema>;
