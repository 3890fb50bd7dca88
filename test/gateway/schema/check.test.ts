// `tollgate check` (issue 17 part 1): one schema pair per class of change, each with its expected
// kind, severity, coordinate and responsible subgraph, and the CLI's exit code for it; the API
// schema is what is compared (@inaccessible hides); composition errors exit 1, usage errors 2.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runCheckCommand } from '../../../gateway/src/check-command.ts';
import { checkSupergraphs } from '../../../gateway/src/schema/check.ts';
import type { ChangeKind, Severity } from '../../../gateway/src/schema/diff.ts';
import { BASE, checkFolder, composeSet, edit, type SubgraphSdls } from './check-fixtures.ts';

interface Case {
  name: string;
  proposed: SubgraphSdls;
  expect: { kind: ChangeKind; severity: Severity; coordinate: string; subgraph: string };
  exit: number;
}

const cases: Case[] = [
  { name: 'field removed', proposed: edit(BASE, 'catalog', '  weight: Int\n', ''), expect: { kind: 'FIELD_REMOVED', severity: 'BREAKING', coordinate: 'Product.weight', subgraph: 'catalog' }, exit: 3 },
  { name: 'field made @inaccessible (gone from the API schema)', proposed: edit(BASE, 'catalog', '  weight: Int\n', '  weight: Int @inaccessible\n'), expect: { kind: 'FIELD_REMOVED', severity: 'BREAKING', coordinate: 'Product.weight', subgraph: 'catalog' }, exit: 3 },
  { name: 'field of another subgraph removed', proposed: edit(BASE, 'reviews', 'reviews(first: Int = 3): [Review!]!', ''), expect: { kind: 'FIELD_REMOVED', severity: 'BREAKING', coordinate: 'Product.reviews', subgraph: 'reviews' }, exit: 3 },
  { name: 'type removed', proposed: edit(edit(BASE, 'catalog', '  brand: Brand\n', ''), 'catalog', 'type Brand { name: String }', ''), expect: { kind: 'TYPE_REMOVED', severity: 'BREAKING', coordinate: 'Brand', subgraph: 'catalog' }, exit: 3 },
  { name: 'type kind changed', proposed: edit(BASE, 'catalog', 'type Brand { name: String }', 'enum Brand { ACME }'), expect: { kind: 'TYPE_KIND_CHANGED', severity: 'BREAKING', coordinate: 'Brand', subgraph: 'catalog' }, exit: 3 },
  { name: 'enum value removed', proposed: edit(BASE, 'catalog', 'enum Status { ACTIVE DISCONTINUED }', 'enum Status { ACTIVE }'), expect: { kind: 'ENUM_VALUE_REMOVED', severity: 'BREAKING', coordinate: 'Status.DISCONTINUED', subgraph: 'catalog' }, exit: 3 },
  { name: 'union member removed', proposed: edit(BASE, 'catalog', 'union SearchResult = Product | Category', 'union SearchResult = Product'), expect: { kind: 'UNION_MEMBER_REMOVED', severity: 'BREAKING', coordinate: 'SearchResult', subgraph: 'catalog' }, exit: 3 },
  { name: 'interface implementation removed', proposed: edit(BASE, 'catalog', 'type Category implements Node {', 'type Category {'), expect: { kind: 'INTERFACE_IMPLEMENTATION_REMOVED', severity: 'BREAKING', coordinate: 'Category', subgraph: 'catalog' }, exit: 3 },
  { name: 'field type changed', proposed: edit(BASE, 'catalog', '  price: Int\n', '  price: Float\n'), expect: { kind: 'FIELD_TYPE_CHANGED', severity: 'BREAKING', coordinate: 'Product.price', subgraph: 'catalog' }, exit: 3 },
  { name: 'field type changed in another subgraph', proposed: edit(BASE, 'reviews', 'stars: Int!', 'stars: Float!'), expect: { kind: 'FIELD_TYPE_CHANGED', severity: 'BREAKING', coordinate: 'Review.stars', subgraph: 'reviews' }, exit: 3 },
  { name: 'output nullability widened (non-null → nullable)', proposed: edit(BASE, 'catalog', '  name: String!\n', '  name: String\n'), expect: { kind: 'FIELD_MADE_NULLABLE', severity: 'BREAKING', coordinate: 'Product.name', subgraph: 'catalog' }, exit: 3 },
  { name: 'argument removed', proposed: edit(BASE, 'catalog', 'search(text: String!)', 'search'), expect: { kind: 'ARG_REMOVED', severity: 'BREAKING', coordinate: 'Query.search(text:)', subgraph: 'catalog' }, exit: 3 },
  { name: 'argument type changed', proposed: edit(BASE, 'catalog', 'product(upc: ID!)', 'product(upc: Int!)'), expect: { kind: 'ARG_TYPE_CHANGED', severity: 'BREAKING', coordinate: 'Query.product(upc:)', subgraph: 'catalog' }, exit: 3 },
  { name: 'required argument added', proposed: edit(BASE, 'catalog', 'filter: ProductFilter)', 'filter: ProductFilter, region: String!)'), expect: { kind: 'REQUIRED_ARG_ADDED', severity: 'BREAKING', coordinate: 'Query.products(region:)', subgraph: 'catalog' }, exit: 3 },
  { name: 'argument made required (input nullability narrowed)', proposed: edit(BASE, 'catalog', 'filter: ProductFilter)', 'filter: ProductFilter!)'), expect: { kind: 'ARG_MADE_REQUIRED', severity: 'BREAKING', coordinate: 'Query.products(filter:)', subgraph: 'catalog' }, exit: 3 },
  { name: 'argument default removed', proposed: edit(BASE, 'catalog', 'first: Int = 5', 'first: Int'), expect: { kind: 'ARG_DEFAULT_REMOVED', severity: 'BREAKING', coordinate: 'Query.products(first:)', subgraph: 'catalog' }, exit: 3 },
  { name: 'input field removed', proposed: edit(BASE, 'catalog', ', nameContains: String }', ' }'), expect: { kind: 'INPUT_FIELD_REMOVED', severity: 'BREAKING', coordinate: 'ProductFilter.nameContains', subgraph: 'catalog' }, exit: 3 },
  { name: 'required input field added', proposed: edit(BASE, 'catalog', 'nameContains: String }', 'nameContains: String, category: ID! }'), expect: { kind: 'REQUIRED_INPUT_FIELD_ADDED', severity: 'BREAKING', coordinate: 'ProductFilter.category', subgraph: 'catalog' }, exit: 3 },
  { name: 'input field made required', proposed: edit(BASE, 'catalog', 'nameContains: String }', 'nameContains: String! }'), expect: { kind: 'INPUT_FIELD_MADE_REQUIRED', severity: 'BREAKING', coordinate: 'ProductFilter.nameContains', subgraph: 'catalog' }, exit: 3 },
  { name: 'input field type changed', proposed: edit(BASE, 'catalog', 'minPrice: Int = 0', 'minPrice: Float = 0'), expect: { kind: 'INPUT_FIELD_TYPE_CHANGED', severity: 'BREAKING', coordinate: 'ProductFilter.minPrice', subgraph: 'catalog' }, exit: 3 },
  { name: 'input field default removed', proposed: edit(BASE, 'catalog', 'minPrice: Int = 0', 'minPrice: Int'), expect: { kind: 'INPUT_FIELD_DEFAULT_REMOVED', severity: 'BREAKING', coordinate: 'ProductFilter.minPrice', subgraph: 'catalog' }, exit: 3 },
  { name: 'enum value added', proposed: edit(BASE, 'catalog', 'enum Status { ACTIVE DISCONTINUED }', 'enum Status { ACTIVE DISCONTINUED RETIRED }'), expect: { kind: 'ENUM_VALUE_ADDED', severity: 'DANGEROUS', coordinate: 'Status.RETIRED', subgraph: 'catalog' }, exit: 0 },
  { name: 'optional argument added', proposed: edit(BASE, 'catalog', 'search(text: String!)', 'search(text: String!, limit: Int)'), expect: { kind: 'OPTIONAL_ARG_ADDED', severity: 'DANGEROUS', coordinate: 'Query.search(limit:)', subgraph: 'catalog' }, exit: 0 },
  { name: 'union member added', proposed: edit(BASE, 'catalog', 'union SearchResult = Product | Category', 'union SearchResult = Product | Category | Brand'), expect: { kind: 'UNION_MEMBER_ADDED', severity: 'DANGEROUS', coordinate: 'SearchResult', subgraph: 'catalog' }, exit: 0 },
  { name: 'interface implementation added', proposed: edit(BASE, 'catalog', 'type Brand { name: String }', 'type Brand implements Node { id: ID! name: String }'), expect: { kind: 'INTERFACE_IMPLEMENTATION_ADDED', severity: 'DANGEROUS', coordinate: 'Brand', subgraph: 'catalog' }, exit: 0 },
  { name: 'argument default changed', proposed: edit(BASE, 'catalog', 'first: Int = 5', 'first: Int = 10'), expect: { kind: 'ARG_DEFAULT_CHANGED', severity: 'DANGEROUS', coordinate: 'Query.products(first:)', subgraph: 'catalog' }, exit: 0 },
  { name: 'optional input field added', proposed: edit(BASE, 'catalog', 'nameContains: String }', 'nameContains: String, maxPrice: Int }'), expect: { kind: 'OPTIONAL_INPUT_FIELD_ADDED', severity: 'DANGEROUS', coordinate: 'ProductFilter.maxPrice', subgraph: 'catalog' }, exit: 0 },
  { name: 'field added', proposed: edit(BASE, 'reviews', 'body: String }', 'body: String title: String }'), expect: { kind: 'FIELD_ADDED', severity: 'SAFE', coordinate: 'Review.title', subgraph: 'reviews' }, exit: 0 },
  { name: 'type added', proposed: edit(BASE, 'reviews', 'type Review {', 'type Author { name: String } type Review { author: Author '), expect: { kind: 'TYPE_ADDED', severity: 'SAFE', coordinate: 'Author', subgraph: 'reviews' }, exit: 0 },
  { name: 'output made non-null', proposed: edit(BASE, 'catalog', '  price: Int\n', '  price: Int!\n'), expect: { kind: 'FIELD_MADE_NON_NULL', severity: 'SAFE', coordinate: 'Product.price', subgraph: 'catalog' }, exit: 0 },
  { name: 'argument made optional (input widened)', proposed: edit(BASE, 'catalog', 'search(text: String!)', 'search(text: String)'), expect: { kind: 'ARG_MADE_OPTIONAL', severity: 'SAFE', coordinate: 'Query.search(text:)', subgraph: 'catalog' }, exit: 0 },
];

async function runCheck(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCheckCommand(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env });
  return { code, stdout, stderr };
}

const folders: string[] = [];
after(async () => {
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

describe('tollgate check: one schema pair per class of change', () => {
  const current = composeSet(BASE);
  for (const { name, proposed, expect, exit } of cases) {
    test(`${name}: ${expect.severity} ${expect.kind} at ${expect.coordinate} (${expect.subgraph}), exit ${exit}`, async () => {
      const report = checkSupergraphs(current, composeSet(proposed));
      const found = report.changes.find((c) => c.kind === expect.kind && c.coordinate === expect.coordinate);
      assert.ok(found, `expected ${expect.kind} ${expect.coordinate} in ${JSON.stringify(report.changes.map((c) => `${c.kind} ${c.coordinate}`))}`);
      assert.equal(found.severity, expect.severity);
      assert.deepEqual(found.subgraphs, [expect.subgraph]);
      // The CLI over the same pair: a supergraph file against a supergraph.yaml.
      const dir = await checkFolder(BASE, proposed);
      folders.push(dir);
      const cli = await runCheck(['--config', join(dir, 'supergraph.yaml'), '--against', join(dir, 'current.graphql'), '--format', 'json']);
      assert.equal(cli.code, exit, cli.stdout + cli.stderr);
      const json = JSON.parse(cli.stdout);
      assert.equal(json.exitCode, exit);
      assert.ok(json.changes.some((c: any) => c.kind === expect.kind && c.coordinate === expect.coordinate && c.severity === expect.severity && c.subgraphs[0] === expect.subgraph));
    });
  }

  test('no change: no entries, exit 0', async () => {
    assert.deepEqual(checkSupergraphs(current, composeSet(BASE)).changes, []);
    const dir = await checkFolder(BASE, BASE);
    folders.push(dir);
    const cli = await runCheck(['--config', join(dir, 'supergraph.yaml'), '--against', join(dir, 'current.graphql')]);
    assert.equal(cli.code, 0);
    assert.match(cli.stdout, /check: no changes against/);
  });

  test('--allow-breaking reports the breaking change and exits 0', async () => {
    const dir = await checkFolder(BASE, edit(BASE, 'catalog', '  weight: Int\n', ''));
    folders.push(dir);
    const cli = await runCheck(['--config', join(dir, 'supergraph.yaml'), '--against', join(dir, 'current.graphql'), '--allow-breaking']);
    assert.equal(cli.code, 0);
    assert.match(cli.stdout, /BREAKING {2}Product\.weight {2}\(subgraph catalog\)\n {2}FIELD_REMOVED: Field "Product\.weight" was removed\./);
    assert.match(cli.stderr, /1 breaking changes allowed/);
  });

  test('a proposed set that does not compose exits 1 with the composition errors; nothing is compared', async () => {
    const dir = await checkFolder(BASE, edit(BASE, 'reviews', 'type Product @key(fields: "upc") { upc: ID!', 'type Product @key(fields: "upc") { upc: String!'));
    folders.push(dir);
    const cli = await runCheck(['--config', join(dir, 'supergraph.yaml'), '--against', join(dir, 'current.graphql')]);
    assert.equal(cli.code, 1, cli.stderr);
    assert.match(cli.stderr, /error\[FIELD_TYPE_MISMATCH\]/);
    assert.match(cli.stderr, /the proposed subgraphs do not compose/);
    assert.equal(cli.stdout, '');
  });

  test('a subgraph schema nested deeper than the parser can go exits 1 with one line, no stack trace', async () => {
    const deep = `type Query { x(a: ${'['.repeat(50_000)}Int${']'.repeat(50_000)}): Int }`;
    const dir = await checkFolder(BASE, edit(BASE, 'reviews', 'type Review {', `${deep} type Review {`));
    folders.push(dir);
    const cli = await runCheck(['--config', join(dir, 'supergraph.yaml'), '--against', join(dir, 'current.graphql')]);
    assert.equal(cli.code, 1, cli.stderr);
    assert.equal(cli.stderr, 'error: a schema nests too deeply to be parsed (the proposed subgraphs or --against)\n');
  });

  test('usage errors exit 2: no --against, an unreadable --against, a bad --format, an unknown flag, unreadable --operations', async () => {
    const dir = await checkFolder(BASE, BASE);
    folders.push(dir);
    const config = join(dir, 'supergraph.yaml');
    const against = join(dir, 'current.graphql');
    const runs = [
      await runCheck(['--config', config]),
      await runCheck(['--config', config, '--against', join(dir, 'missing.graphql')]),
      await runCheck(['--config', config, '--against', join(dir, 'catalog.graphql')]), // a subgraph, not a supergraph
      await runCheck(['--config', config, '--against', against, '--format', 'xml']),
      await runCheck(['--config', config, '--against', against, '--nope']),
      await runCheck(['--config', config, '--against', against, '--operations', join(dir, 'missing')]),
    ];
    assert.deepEqual(runs.map((r) => r.code), [2, 2, 2, 2, 2, 2]);
    assert.match(runs[0]!.stderr, /--against is required/);
    assert.match(runs[1]!.stderr, /missing\.graphql: cannot read it: ENOENT/);
    assert.match(runs[2]!.stderr, /not a loadable supergraph SDL/);
    assert.match(runs[3]!.stderr, /--format must be one of text, json, github/);
    assert.match(runs[5]!.stderr, /--operations .*missing: cannot read it: ENOENT/);
  });
});
