// The `tollgate+rest` row (issue 15): the demo's home screen asked three ways of one gateway — as
// a free-form query, as the trusted document by id, and as GET /api/v1/home — with the demo's
// manifest and REST endpoint and every other setting at its default, as in the plain `tollgate` row.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeRowConfig } from './lib/row-config.ts';
import type { PrepareContext, Prepared } from './rows.ts';

export const REST_ROW = 'tollgate+rest';
export const HOME_ENDPOINT = '/api/v1/home';
const HOME_SCREEN_MANIFEST = fileURLToPath(new URL('../gateway/manifests/home-screen.json', import.meta.url));

/** The HomeScreen trusted document's id in the demo's manifest, as `sha256:<hex>`. */
export function homeScreenDocumentId(): string {
  const manifest = JSON.parse(readFileSync(HOME_SCREEN_MANIFEST, 'utf8')) as { operations: Array<{ id: string; name: string }> };
  const id = manifest.operations.find((o) => o.name === 'HomeScreen')?.id;
  if (id === undefined) throw new Error(`${HOME_SCREEN_MANIFEST} has no HomeScreen`);
  return `sha256:${id}`;
}

export async function prepareRestRow(ctx: PrepareContext): Promise<Prepared> {
  const file = await writeRowConfig(ctx, 'rest', [
    `persisted_documents: { manifests: [{ file: ${JSON.stringify(HOME_SCREEN_MANIFEST)} }] }`,
    `rest_endpoints: { endpoints: { ${HOME_ENDPOINT}: { document_id: "${homeScreenDocumentId()}" } } }`,
  ]);
  return { args: ['--config', file] };
}
