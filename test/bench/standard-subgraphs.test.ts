// The standard benchmark subgraphs, composed and run through a plain @apollo/gateway, must give
// exactly what the monolith oracle gives: otherwise every benchmark row would be checked
// against the wrong answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { writeSupergraph } from '../../bench/lib/compose.ts';
import { canonical } from '../../bench/lib/verify.ts';
import { expectedData } from '../../bench/subgraphs/monolith.ts';
import { SUBGRAPH_NAMES, buildSchema, subgraphSdl } from '../../bench/subgraphs/schemas.ts';
import { startSubgraphServer } from '../../bench/subgraphs/server.ts';

const query = (name: string) => readFileSync(new URL(`../../bench/queries/${name}.graphql`, import.meta.url), 'utf8');

describe('standard benchmark subgraphs', () => {
  const servers: Server[] = [];
  let dir: string;
  let apollo: ApolloServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
    const services = [];
    for (const name of SUBGRAPH_NAMES) {
      const { url, server } = await startSubgraphServer(buildSchema(name));
      servers.push(server);
      services.push({ name, url, sdl: subgraphSdl(name) });
    }
    writeSupergraph(services, join(dir, 'supergraph.graphql'));
    apollo = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: readFileSync(join(dir, 'supergraph.graphql'), 'utf8') }) });
    await apollo.start();
  });

  after(async () => {
    await apollo?.stop();
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const name of ['heavy', 'top-products']) {
    it(`${name}: the federated answer equals the oracle's`, async () => {
      const res = await apollo.executeOperation({ query: query(name) });
      assert.equal(res.body.kind, 'single');
      if (res.body.kind !== 'single') return;
      assert.equal(res.body.singleResult.errors, undefined);
      assert.equal(canonical(res.body.singleResult.data), canonical(await expectedData(query(name))));
    });
  }

  it('the heavy query exercises @requires: shippingEstimate depends on price and weight', async () => {
    const data = (await expectedData(query('heavy'))) as { topProducts: { price: number; weight: number; shippingEstimate: number }[] };
    assert.ok(data.topProducts.length === 5);
    assert.ok(data.topProducts.some((p) => p.shippingEstimate > 0));
  });

  it('a second identical request is served from the response cache, same bytes', async () => {
    const products = servers[SUBGRAPH_NAMES.indexOf('products')];
    const { port } = products?.address() as { port: number };
    const body = JSON.stringify({ query: '{ topProducts(first: 2) { upc name } }' });
    const send = async () => (await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body })).text();
    const first = await send();
    assert.equal(await send(), first);
    assert.match(first, /"upc":"1"/);
  });
});
