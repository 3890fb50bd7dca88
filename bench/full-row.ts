// The `tollgate+full` row: every feature of the edge on at once, as a production gateway runs:
// edge authentication (an RS256 bearer token on every request), demand control, the per-client
// request + cost quota on a redis-server of the row's own, and metrics and the access log (on by
// default). Issue 14 asks it within 10% of the plain `tollgate` row.
import { authSetup } from './auth-row.ts';
import { writeRowConfig } from './lib/row-config.ts';
import { quotaLines, startRowRedis } from './quotas-row.ts';
import type { PrepareContext, Prepared } from './rows.ts';

export async function prepareFullRow(ctx: PrepareContext): Promise<Prepared> {
  const { url, server } = await startRowRedis();
  try {
    const auth = await authSetup(ctx);
    const configFile = await writeRowConfig(ctx, 'full', [...auth.lines, ...quotaLines(url)]);
    return { args: ['--config', configFile], headers: auth.headers, cleanup: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
