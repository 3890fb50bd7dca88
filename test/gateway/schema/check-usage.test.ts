// Usage-based checks (issue 17 part 1): with the clients' operations (trusted-document manifests
// in both formats and .graphql files), a breaking change counts only when an operation uses it, and
// the report names those operations; `--format github` annotates and writes the step summary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { runCheckCommand } from '../../../gateway/src/check-command.ts';
import { BASE, checkFolder, edit, type SubgraphSdls } from './check-fixtures.ts';

const IOS = {
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: [
    { id: 'p1', name: 'ProductPage', type: 'query', body: 'query ProductPage($upc: ID!) { product(upc: $upc) { name status } }' },
    { id: 'p2', name: 'Discontinued', type: 'query', body: 'query Discontinued { products(filter: { status: DISCONTINUED }) { upc } }' },
  ],
};
const ANDROID = { a1: 'query Weights { products { upc weight } }' };
const WEB_SEARCH = `query Search($text: String!) { search(text: $text) { ... on Category { title } ...Priced } }
fragment Priced on Product { price }`;
const WEB_FILTER = 'query Filtered($f: ProductFilter) { products(filter: $f) { upc } }';

let dir: string;
let operations: string;

async function check(proposed: SubgraphSdls, extra: string[] = [], env: Record<string, string> = {}) {
  const folder = await checkFolder(BASE, proposed);
  let stdout = '';
  let stderr = '';
  const code = await runCheckCommand(
    ['--config', join(folder, 'supergraph.yaml'), '--against', join(folder, 'current.graphql'), ...extra],
    { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env },
  );
  await rm(folder, { recursive: true, force: true });
  return { code, stdout, stderr };
}

describe('tollgate check --operations', () => {
  before(async () => {
    dir = (await checkFolder(BASE, BASE)).toString();
    operations = join(dir, 'operations');
    await mkdir(join(operations, 'web'), { recursive: true });
    await writeFile(join(operations, 'ios.json'), JSON.stringify(IOS));
    await writeFile(join(operations, 'android.json'), JSON.stringify(ANDROID));
    await writeFile(join(operations, 'web', 'search.graphql'), WEB_SEARCH);
    await writeFile(join(operations, 'web', 'filter.gql'), WEB_FILTER);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a removed field one operation selects: breaking, naming it; without that operation: reported, not counted', async () => {
    const removed = edit(BASE, 'catalog', '  weight: Int\n', '');
    const all = await check(removed, ['--operations', operations, '--format', 'json']);
    assert.equal(all.code, 3, all.stderr);
    const change = JSON.parse(all.stdout).changes.find((c: any) => c.coordinate === 'Product.weight');
    assert.deepEqual(change.operations, [`Weights (${relative(process.cwd(), join(operations, 'android.json'))})`]);
    assert.equal(change.counts, true);

    const withoutAndroid = await check(removed, ['--operations', join(operations, 'ios.json'), '--operations', join(operations, 'web')]);
    assert.equal(withoutAndroid.code, 0, withoutAndroid.stdout);
    assert.match(withoutAndroid.stdout, /BREAKING \(unused\) {2}Product\.weight/);
    assert.match(withoutAndroid.stdout, /check: 0 breaking, 0 dangerous, 0 safe changes against .*; 4 operations checked, 1 breaking changes used by none of them/);
  });

  test('a field no operation uses is not counted; without --operations the same change fails the check', async () => {
    const removed = edit(BASE, 'reviews', ' body: String', '');
    assert.equal((await check(removed, ['--operations', operations])).code, 0);
    assert.equal((await check(removed)).code, 3);
  });

  test('enum values: one given as a literal counts, one no operation gives does not, unless a variable may carry it', async () => {
    const discontinued = await check(edit(BASE, 'catalog', 'enum Status { ACTIVE DISCONTINUED }', 'enum Status { ACTIVE }'), ['--operations', operations]);
    assert.equal(discontinued.code, 3);
    assert.match(discontinued.stdout, /BREAKING {2}Status\.DISCONTINUED .*\n.*\n {2}used by Discontinued \(/);
    const noActive = edit(BASE, 'catalog', 'enum Status { ACTIVE DISCONTINUED }', 'enum Status { DISCONTINUED }');
    const literalsOnly = ['--operations', join(operations, 'ios.json'), '--operations', join(operations, 'web', 'search.graphql')];
    const active = await check(noActive, literalsOnly);
    assert.equal(active.code, 0, active.stdout);
    // Filtered's $f: ProductFilter holds a Status whose value the check cannot see: ACTIVE may be in it.
    const throughVariable = await check(noActive, ['--operations', operations]);
    assert.equal(throughVariable.code, 3);
    assert.match(throughVariable.stdout, /Status\.ACTIVE[^\n]*\n[^\n]*\n {2}used by Filtered \(/);
  });

  test('fragments, type conditions and variables of input types count as uses', async () => {
    const price = await check(edit(BASE, 'catalog', '  price: Int\n', '  price: Float\n'), ['--operations', operations]);
    assert.equal(price.code, 3);
    assert.match(price.stdout, /Product\.price[^\n]*\n[^\n]*\n {2}used by Search \(/);
    const implementation = await check(edit(BASE, 'catalog', 'type Category implements Node {', 'type Category {'), ['--operations', operations]);
    assert.equal(implementation.code, 3);
    assert.match(implementation.stdout, /used by Search/);
    // Filtered passes the whole ProductFilter in a variable: every input field under it is in use.
    const inputField = await check(edit(BASE, 'catalog', ', nameContains: String }', ' }'), ['--operations', operations, '--format', 'json']);
    assert.equal(inputField.code, 3);
    const change = JSON.parse(inputField.stdout).changes.find((c: any) => c.kind === 'INPUT_FIELD_REMOVED');
    assert.deepEqual(change.operations.map((name: string) => name.split(' ')[0]), ['Filtered']);
  });

  test('--format github: an error annotation on the subgraph file and line, and a Markdown table in $GITHUB_STEP_SUMMARY', async () => {
    const summary = join(dir, 'summary.md');
    const result = await check(edit(BASE, 'catalog', '  price: Int\n', '  price: Float\n'), ['--operations', operations, '--format', 'github'], {
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_WORKSPACE: '/',
    });
    assert.equal(result.code, 3);
    assert.match(result.stdout, /^::error file=.*catalog\.graphql,line=14,title=FIELD_TYPE_CHANGED Product\.price::Field "Product\.price" changed type from Int to Float\. \(subgraph catalog\)\. Used by: Search/m);
    const markdown = await readFile(summary, 'utf8');
    assert.match(markdown, /^### tollgate check$/m);
    assert.match(markdown, /\| BREAKING \| FIELD_TYPE_CHANGED \| `Product\.price` \| catalog \| Search \(/);
  });
});
