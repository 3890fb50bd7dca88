// supergraph.yaml loading: every rejection names the file and the key, and resolving names the
// subgraph and the file it could not read.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  loadSupergraphConfig,
  resolveSubgraphs,
  SupergraphConfigError,
} from '../../../gateway/src/schema/supergraph-config.ts';
import { fed2, fixture, tempDir } from './helpers.ts';

const ACCOUNTS = fixture('accounts.graphql');

/** Loads `yaml` from a temp dir and returns the SupergraphConfigError's message. */
async function loadError(dir: string, yaml: string, env: Record<string, string> = {}): Promise<string> {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(path, yaml);
  const error = await loadSupergraphConfig(path, { env }).then(
    () => assert.fail('expected the config to be rejected'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof SupergraphConfigError, `not a SupergraphConfigError: ${String(error)}`);
  assert.ok(error.message.includes(path.split('/').pop()!), `message does not name the file: ${error.message}`);
  return error.message;
}

describe('loadSupergraphConfig', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempDir({})));
  after(() => cleanup());

  it('reads file, subgraph_url and sdl sources; file paths are relative to the YAML file', async () => {
    const config = await loadSupergraphConfig(fixture('broken', 'unsatisfiable.yaml'));
    assert.equal(config.federationVersion?.kind, 'exact');
    assert.deepEqual(
      config.subgraphs.map((s) => [s.name, s.schema.kind]),
      [['accounts', 'file'], ['reviews', 'file'], ['ratings', 'sdl']],
    );
    assert.deepEqual(config.subgraphs[0]?.schema, { kind: 'file', path: ACCOUNTS });
  });

  it('reports invalid YAML with its line', async () => {
    const message = await loadError(dir, 'subgraphs:\n  a: [unclosed\n');
    assert.match(message, /:\d+:\d+: invalid YAML/);
  });

  it('reports a duplicated subgraph name as invalid YAML', async () => {
    const sub = `    routing_url: http://a\n    schema: { file: ${ACCOUNTS} }\n`;
    const message = await loadError(dir, `subgraphs:\n  a:\n${sub}  a:\n${sub}`);
    assert.match(message, /invalid YAML: Map keys must be unique/);
  });

  it('names a missing subgraphs key', async () => {
    assert.match(await loadError(dir, 'federation_version: 2\n'), /: subgraphs: required/);
  });

  it('rejects an empty subgraphs mapping and an empty file', async () => {
    assert.match(await loadError(dir, 'subgraphs: {}\n'), /subgraphs: expected at least one subgraph/);
    assert.match(await loadError(dir, ''), /empty; expected a mapping with a subgraphs key/);
  });

  it('names unknown keys with their full path and the allowed keys', async () => {
    const message = await loadError(
      dir,
      `federation_versoin: 2\nsubgraphs:\n  orders:\n    routing_ur: http://o\n    schema:\n      file: x.graphql\n      header: 1\n`,
    );
    assert.match(message, /federation_versoin: unknown key \(allowed: federation_version, subgraphs\)/);
    assert.match(message, /subgraphs\.orders\.routing_ur: unknown key \(allowed: routing_url, schema\)/);
    assert.match(message, /subgraphs\.orders\.schema\.header: unknown key \(allowed: file, subgraph_url, introspection_headers, sdl\)/);
  });

  it('asks for exactly one schema source', async () => {
    const none = await loadError(dir, 'subgraphs:\n  orders:\n    routing_url: http://o\n    schema: {}\n');
    assert.match(none, /subgraphs\.orders\.schema: expected one of file \| subgraph_url \| sdl/);
    const two = await loadError(dir, 'subgraphs:\n  orders:\n    routing_url: http://o\n    schema: { file: a, sdl: b }\n');
    assert.match(two, /subgraphs\.orders\.schema: expected only one of file \| subgraph_url \| sdl, got file and sdl/);
  });

  it('says graphref is not supported', async () => {
    const message = await loadError(
      dir,
      'subgraphs:\n  orders:\n    routing_url: http://o\n    schema: { graphref: shop@prod, subgraph: orders }\n',
    );
    assert.match(message, /subgraphs\.orders\.schema\.graphref: graphref \(GraphOS registry\) is not supported/);
  });

  it('checks types and URLs', async () => {
    const message = await loadError(
      dir,
      'subgraphs:\n  orders:\n    routing_url: ftp://o\n    schema: { subgraph_url: 42 }\n  reviews: []\n',
    );
    assert.match(message, /subgraphs\.orders\.routing_url: expected an http:\/\/ or https:\/\/ URL/);
    assert.match(message, /subgraphs\.orders\.schema\.subgraph_url: expected a string, got number 42/);
    assert.match(message, /subgraphs\.reviews: expected a mapping, got a list/);
  });

  describe('federation_version, read as rover reads it', () => {
    const withVersion = (v: string) => `federation_version: ${v}\nsubgraphs:\n  a:\n    routing_url: http://a\n    schema: { file: ${ACCOUNTS} }\n`;

    for (const accepted of ['2', '"2"', 'latest-2', '=2.7.0', 'v2.3.1', '=2.0.0-preview.9']) {
      it(`accepts ${accepted}`, async () => {
        const path = join(dir, 'version-ok.yaml');
        await writeFile(path, withVersion(accepted));
        const config = await loadSupergraphConfig(path);
        assert.ok(config.federationVersion !== undefined);
      });
    }

    for (const one of ['1', '0', 'latest-1', '=0.36.0']) {
      it(`rejects Federation 1 (${one}) clearly`, async () => {
        const message = await loadError(dir, withVersion(one));
        assert.match(message, /federation_version: .* selects Federation 1 composition, which Tollgate does not support/);
      });
    }

    it('rejects Federation 3, a newer pin than the shipped composition, and nonsense', async () => {
      assert.match(await loadError(dir, withVersion('3')), /federation_version: "3" selects Federation 3 composition/);
      assert.match(
        await loadError(dir, withVersion('=2.99.0')),
        /federation_version: "=2\.99\.0" pins a composition newer than the one Tollgate ships \(@apollo\/composition 2\./,
      );
      assert.match(await loadError(dir, withVersion('2.7.0')), /federation_version: "2\.7\.0" is not a federation version/);
      assert.match(await loadError(dir, withVersion('[2]')), /federation_version: expected a version like 2 or =2\.7\.0/);
    });
  });

  describe('${env.NAME} expansion (rover / router syntax)', () => {
    const yaml = 'subgraphs:\n  a:\n    routing_url: http://${env.ACCOUNTS_HOST:-localhost}:4001/graphql\n    schema:\n      file: ${env.ACCOUNTS_SDL}\n';

    it('expands variables and defaults inside strings', async () => {
      const path = join(dir, 'env.yaml');
      await writeFile(path, yaml);
      const config = await loadSupergraphConfig(path, { env: { ACCOUNTS_SDL: ACCOUNTS } });
      assert.equal(config.subgraphs[0]?.routingUrl, 'http://localhost:4001/graphql');
      assert.deepEqual(config.subgraphs[0]?.schema, { kind: 'file', path: ACCOUNTS });
    });

    it('names the key and the variable when it is not set', async () => {
      const message = await loadError(dir, yaml);
      assert.match(message, /subgraphs\.a\.schema\.file: \$\{env\.ACCOUNTS_SDL\}: environment variable ACCOUNTS_SDL is not set/);
    });
  });

  it('names a config file that does not exist', async () => {
    const path = join(dir, 'nope.yaml');
    await assert.rejects(loadSupergraphConfig(path), (e: unknown) => {
      assert.ok(e instanceof SupergraphConfigError);
      assert.match(e.message, /nope\.yaml: cannot read supergraph config: no such file \(ENOENT\)/);
      return true;
    });
  });
});

describe('resolveSubgraphs', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await tempDir({
      'missing-file.yaml': `federation_version: 2\nsubgraphs:\n  accounts:\n    routing_url: http://a\n    schema: { file: ${ACCOUNTS} }\n  orders:\n    routing_url: http://o\n    schema: { file: ./schemas/orders.graphql }\n`,
      'no-routing-url.yaml': `subgraphs:\n  accounts:\n    schema: { file: ${ACCOUNTS} }\n`,
      'fed1.yaml': `subgraphs:\n  legacy:\n    routing_url: http://l\n    schema: { sdl: "type Query { hello: String }" }\n`,
      'pinned-old.yaml': `federation_version: =2.3.0\nsubgraphs:\n  accounts:\n    routing_url: http://a\n    schema: { file: ${ACCOUNTS} }\n`,
    }));
  });
  after(() => cleanup());

  it('names the subgraph, the path and the cause when a schema file is missing', async () => {
    const config = await loadSupergraphConfig(join(dir, 'missing-file.yaml'));
    await assert.rejects(resolveSubgraphs(config), (e: unknown) => {
      assert.ok(e instanceof SupergraphConfigError);
      assert.equal(e.problems.length, 1);
      assert.match(e.message, /subgraph "orders": cannot read schema file .*schemas\/orders\.graphql: no such file \(ENOENT\)/);
      return true;
    });
  });

  it('requires routing_url for a file schema unless it is overridden', async () => {
    const config = await loadSupergraphConfig(join(dir, 'no-routing-url.yaml'));
    await assert.rejects(resolveSubgraphs(config), /subgraph "accounts": subgraphs\.accounts\.routing_url is required with schema\.file/);
    const [accounts] = await resolveSubgraphs(config, { routingUrlOverrides: { accounts: 'http://127.0.0.1:9/graphql' } });
    assert.equal(accounts?.routingUrl, 'http://127.0.0.1:9/graphql');
  });

  it('rejects an override for a subgraph that does not exist', async () => {
    const config = await loadSupergraphConfig(join(dir, 'missing-file.yaml'));
    await assert.rejects(
      resolveSubgraphs(config, { routingUrlOverrides: { acounts: 'http://x' } }),
      /routing URL override for "acounts": no such subgraph/,
    );
  });

  it('refuses what rover would compose as Federation 1 (no federation_version, no @link)', async () => {
    const config = await loadSupergraphConfig(join(dir, 'fed1.yaml'));
    await assert.rejects(resolveSubgraphs(config), /federation_version: not set and no subgraph opts in to Federation 2/);
  });

  it('refuses a pinned version older than the federation spec a subgraph links', async () => {
    const config = await loadSupergraphConfig(join(dir, 'pinned-old.yaml'));
    await assert.rejects(
      resolveSubgraphs(config),
      /subgraph "accounts" \(.*accounts\.graphql\): links federation v2\.7 but federation_version pins =2\.3\.0/,
    );
  });

  it('keeps inline SDL and names its config key as the source', async () => {
    const { dir: d, cleanup: c } = await tempDir({
      'inline.yaml': `subgraphs:\n  hello:\n    routing_url: http://h\n    schema:\n      sdl: |\n${fed2('type Query { hello: String }').replace(/^/gm, '        ')}`,
    });
    try {
      const [hello] = await resolveSubgraphs(await loadSupergraphConfig(join(d, 'inline.yaml')));
      assert.match(hello?.sdl ?? '', /type Query \{ hello: String \}/);
      assert.match(hello?.source ?? '', /inline\.yaml \(subgraphs\.hello\.schema\.sdl\)$/);
      assert.equal(hello?.sourceKind, 'sdl');
    } finally {
      await c();
    }
  });
});
