// `hive-router-runtime`: Hive Gateway (the same CLI and flags as the `hive-gateway` row) with the
// Rust query planner of Hive Router, @graphql-hive/router-runtime (napi), plugged in the documented
// way: a config file whose `gatewayConfig` sets `unifiedGraphHandler`. The CLI looks for
// gateway.config.* in its cwd, so the row gets a scratch dir of its own as cwd (the `hive-gateway`
// row's cwd is the bare run dir, where no config file may appear). The config is plain .mjs and
// imports both packages by absolute file URL, so it resolves the same from a temp dir.
// `hive-router-runtime+no-dedup` also turns off Hive's default sharing of identical in-flight
// subgraph requests, the documented way (transportEntries '*.http' deduplicateInflightRequests: false),
// to compare like for like with `tollgate+no-dedup`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PrepareContext, Prepared } from './rows.ts';

export const prepareHiveRouterRuntimeRow = (ctx: PrepareContext) => writeHiveConfig(ctx, true);
export const prepareHiveRouterRuntimeNoDedupRow = (ctx: PrepareContext) => writeHiveConfig(ctx, false);

async function writeHiveConfig(ctx: PrepareContext, dedup: boolean): Promise<Prepared> {
  const dir = join(ctx.runDir, `hive-router-runtime${dedup ? '' : '-no-dedup'}-${ctx.scenario}`);
  const options = dedup ? '{ unifiedGraphHandler }' : "{ unifiedGraphHandler, transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } }";
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'gateway.config.mjs'),
    [
      `import { defineConfig } from ${JSON.stringify(import.meta.resolve('@graphql-hive/gateway'))};`,
      `import { unifiedGraphHandler } from ${JSON.stringify(import.meta.resolve('@graphql-hive/router-runtime'))};`,
      '',
      `export const gatewayConfig = defineConfig(${options});`,
      '',
    ].join('\n'),
  );
  return { cwd: dir };
}
