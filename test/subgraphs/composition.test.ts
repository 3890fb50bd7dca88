import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse, validate } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { composeServices } from '@apollo/composition';
import { subgraphNames, subgraphSdl } from '../../subgraphs/index.ts';

const repoFile = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('demo supergraph', () => {
  const config = parseYaml(repoFile('supergraph.yaml')) as {
    federation_version: string;
    subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
  };

  it('supergraph.yaml lists the four subgraphs with their schema files and demo ports', () => {
    assert.deepEqual(Object.keys(config.subgraphs), [...subgraphNames]);
    subgraphNames.forEach((name, i) => {
      const entry = config.subgraphs[name]!;
      assert.equal(entry.routing_url, `http://localhost:${4001 + i}/graphql`);
      assert.equal(repoFile(entry.schema.file), subgraphSdl(name));
    });
  });

  it('composes without errors, and the home-screen query is valid against it', () => {
    const result = composeServices(
      subgraphNames.map((name) => ({ name, url: config.subgraphs[name]!.routing_url, typeDefs: parse(subgraphSdl(name)) })),
    );
    assert.equal(result.errors, undefined, result.errors?.map((e) => e.message).join('\n'));
    const apiSchema = result.schema!.toAPISchema().toGraphQLJSSchema();
    const homeScreen = parse(repoFile('subgraphs/home-screen.graphql'));
    assert.deepEqual(validate(apiSchema, homeScreen), []);
    const operations = homeScreen.definitions.filter((d) => d.kind === 'OperationDefinition');
    assert.deepEqual(operations.map((o) => o.name?.value), ['HomeScreen']);
  });
});
