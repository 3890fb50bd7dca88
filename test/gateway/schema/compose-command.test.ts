// `tollgate compose`: exit codes, where the SDL goes, and what a CI log shows on failure.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fixture, runCompose, tempDir } from './helpers.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('tollgate compose', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir({})));
  after(() => cleanup());

  it('writes the SDL to --output and a one-line summary to stderr', async () => {
    const output = join(dir, 'nested', 'supergraph.graphql');
    const run = await runCompose(['--config', fixture('supergraph.yaml'), '--output', output]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    const sdl = await readFile(output, 'utf8');
    assert.match(sdl, /REVIEWS @join__graph\(name: "reviews", url: "http:\/\/reviews\.internal:4003\/graphql"\)/);
    assert.ok(sdl.endsWith('\n'));
    const lines = run.stderr.trimEnd().split('\n');
    assert.match(lines.at(-1) ?? '', /^composed 3 subgraphs \(accounts, orders, reviews\) → .*nested\/supergraph\.graphql$/);
    assert.match(run.stderr, /note: federation_version =2\.7\.0 is pinned; composed with @apollo\/composition 2\./);
  });

  it('writes the SDL to stdout without --output', async () => {
    const run = await runCompose(['-c', fixture('supergraph.yaml')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^schema\n/);
    assert.match(run.stdout, /enum join__Graph/);
    assert.match(run.stderr, /composed 3 subgraphs \(accounts, orders, reviews\) → stdout\n$/);
  });

  it('prints hints with their code on success', async () => {
    const run = await runCompose(['-c', fixture('hint', 'supergraph.yaml'), '-o', join(dir, 'hinted.graphql')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^hint\[INCONSISTENT_ENTITY\] subgraphs "accounts", "orders", "reviews": Type "User"/m);
  });

  const failures = [
    { file: 'syntax-error.yaml', codes: ['INVALID_GRAPHQL'], subgraphs: 'subgraph "orders"' },
    { file: 'type-mismatch.yaml', codes: ['FIELD_TYPE_MISMATCH', 'INVALID_FIELD_SHARING'], subgraphs: 'subgraphs "orders", "reviews"' },
    { file: 'external-missing.yaml', codes: ['EXTERNAL_MISSING_ON_BASE'], subgraphs: 'subgraph "reviews"' },
    { file: 'unsatisfiable.yaml', codes: ['SATISFIABILITY_ERROR', 'SATISFIABILITY_ERROR'], subgraphs: 'subgraphs "reviews", "ratings"' },
  ];
  for (const { file, codes, subgraphs } of failures) {
    it(`${file}: exits 1, prints every error with code and subgraphs, then a count`, async () => {
      const run = await runCompose(['--config', fixture('broken', file)]);
      assert.equal(run.code, 1);
      assert.equal(run.stdout, '');
      const headers = run.stderr.split('\n').filter((line) => line.startsWith('error['));
      assert.deepEqual(headers.map((line) => /^error\[([A-Z_]+)\]/.exec(line)?.[1]), codes);
      for (const line of headers) assert.ok(line.includes(` ${subgraphs}: `), line);
      assert.match(run.stderr, new RegExp(`error: composition failed with ${codes.length} errors? \\(3 subgraphs: `));
      assert.doesNotMatch(run.stderr, /^::error/m, 'annotations only under GitHub Actions');
    });
  }

  it('shows the file and line of a syntax error', async () => {
    const run = await runCompose(['--config', fixture('broken', 'syntax-error.yaml')]);
    assert.match(run.stderr, /error\[INVALID_GRAPHQL\] subgraph "orders": Syntax Error: Expected Name, found "\}"\.\n  --> .*broken\/orders-syntax-error\.graphql:10:1 \(orders\)/);
  });

  it('adds GitHub annotations under GitHub Actions, with workspace-relative file paths', async () => {
    const run = await runCompose(['--config', fixture('broken', 'type-mismatch.yaml')], {
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: REPO_ROOT,
    });
    assert.equal(run.code, 1);
    const annotations = run.stderr.split('\n').filter((line) => line.startsWith('::error '));
    const ordersFile = relative(REPO_ROOT, fixture('orders.graphql'));
    assert.deepEqual(annotations, [
      `::error file=${ordersFile},line=9,col=3,title=FIELD_TYPE_MISMATCH (orders%2C reviews)::subgraphs "orders", "reviews": Type of field "Order.total" is incompatible across subgraphs: it has type "Int!" in subgraph "orders" but type "String" in subgraph "reviews"`,
      `::error file=${ordersFile},line=9,col=3,title=INVALID_FIELD_SHARING (orders%2C reviews)::subgraphs "orders", "reviews": Non-shareable field "Order.total" is resolved from multiple subgraphs: it is resolved from subgraphs "orders" and "reviews" and defined as non-shareable in all of them`,
    ]);
  });

  it('leaves an existing --output untouched when composition fails', async () => {
    const output = join(dir, 'kept.graphql');
    await writeFile(output, 'previous supergraph\n');
    const run = await runCompose(['-c', fixture('broken', 'type-mismatch.yaml'), '-o', output]);
    assert.equal(run.code, 1);
    assert.equal(await readFile(output, 'utf8'), 'previous supergraph\n');
  });

  it('a missing schema file: exit 1, one line naming the subgraph and path, no stack trace', async () => {
    const config = join(dir, 'missing.yaml');
    await writeFile(
      config,
      `federation_version: 2\nsubgraphs:\n  orders:\n    routing_url: http://o\n    schema:\n      file: ./orders-v2.graphql\n`,
    );
    const run = await runCompose(['--config', config]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: subgraph "orders": cannot read schema file .*orders-v2\.graphql: no such file \(ENOENT\)\n$/);
  });

  it('bad config: exit 1 naming each key', async () => {
    const config = join(dir, 'bad.yaml');
    await writeFile(config, `federation_version: 1\nsubgraphs:\n  orders:\n    routing_url: http://o\n    schema: { url: http://o }\n`);
    const run = await runCompose(['--config', config]);
    assert.equal(run.code, 1);
    const lines = run.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 3, run.stderr);
    assert.match(run.stderr, /^error: .*bad\.yaml: federation_version: "1" selects Federation 1 composition/m);
    assert.match(run.stderr, /^error: .*bad\.yaml: subgraphs\.orders\.schema\.url: unknown key/m);
    assert.match(run.stderr, /^error: .*bad\.yaml: subgraphs\.orders\.schema: expected one of file \| subgraph_url \| sdl$/m);
  });

  it('a missing config file: exit 1', async () => {
    const run = await runCompose(['--config', join(dir, 'absent.yaml')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: .*absent\.yaml: cannot read supergraph config: no such file \(ENOENT\)\n$/);
  });

  it('usage errors exit 2; --help exits 0', async () => {
    for (const argv of [['--nope'], ['stray'], ['--config'], ['--introspection-timeout-ms', 'soon']]) {
      const run = await runCompose(argv);
      assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, /^error: /);
    }
    const help = await runCompose(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: tollgate compose \[--config supergraph\.yaml\] \[--output supergraph\.graphql\]/);
  });

  it('runs end to end through bin/tollgate.mjs', async () => {
    const output = join(dir, 'e2e.graphql');
    const ok = await promisify(execFile)(
      process.execPath,
      ['bin/tollgate.mjs', 'compose', '--config', fixture('supergraph.yaml'), '--output', output],
      { cwd: REPO_ROOT },
    );
    assert.match(ok.stderr, /composed 3 subgraphs \(accounts, orders, reviews\)/);
    assert.match(await readFile(output, 'utf8'), /ACCOUNTS @join__graph/);

    const failed = await promisify(execFile)(
      process.execPath,
      ['bin/tollgate.mjs', 'compose', '--config', fixture('broken', 'external-missing.yaml')],
      { cwd: REPO_ROOT },
    ).then(
      () => assert.fail('expected exit 1'),
      (error: { code?: number; stderr?: string }) => error,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr ?? '', /^error\[EXTERNAL_MISSING_ON_BASE\] subgraph "reviews": /m);
    assert.doesNotMatch(failed.stderr ?? '', /\n\s+at /, 'no stack trace');
  });
});
