import { z } from 'zod';
import { configBoolean } from '../core/config-values.ts';

/**
 * `explorer`: GraphiQL for people at the GraphQL path (a browser's GET with `accept: text/html`),
 * served from files built into the package, never from a CDN.
 */
export const explorerConfigSchema = z
  .strictObject({
    /**
     * Serve the explorer; default true, false when NODE_ENV=production. Forced off (logged) when
     * `server.introspection` is false: without the schema it could show nothing.
     */
    enabled: configBoolean().optional(),
    /**
     * Answer a request carrying `tollgate-expose-query-plan: true` with `extensions.queryPlan`
     * (which subgraphs were fetched, in sequence or in parallel); default false. Development only:
     * refused at start-up when NODE_ENV=production, since a plan shows the subgraphs' layout.
     */
    expose_query_plan: configBoolean().default(false),
  })
  .superRefine((explorer, ctx) => {
    if (explorer.expose_query_plan && isProduction()) {
      ctx.addIssue({ code: 'custom', path: ['expose_query_plan'], message: 'true with NODE_ENV=production: query plans show how the subgraphs are laid out; development only' });
    }
  });

export type ExplorerConfig = z.infer<typeof explorerConfigSchema>;

function isProduction(): boolean {
  return process.env['NODE_ENV'] === 'production';
}

/** `explorer.enabled` as set, else its default: on, except under NODE_ENV=production. */
export function explorerWanted(config: ExplorerConfig): boolean {
  return config.enabled ?? !isProduction();
}
