// What a gateway learned about its subgraphs survives reloads: an open circuit breaker stays open
// through a config reload that leaves traffic settings alone, and through the same supergraph
// written again; a new supergraph identical to the serving one is not loaded twice.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, postGraphQL, startTestGateway } from '../../support/gateway.ts';

const SDL = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"]) type Query { hello: String }';

describe('subgraph state across reloads', () => {
  let subgraph: FixtureSubgraph;
  let gateway: RunningGateway;
  let sdl: string;
  const settings = (maxAliases: number): Omit<GatewayConfigInput, 'supergraph'> => ({
    limits: { max_aliases: maxAliases },
    traffic_shaping: { all: { circuit_breaker: { minimum_requests: 4, failure_ratio: 0.5, cooldown_ms: 600_000 }, retry: { enabled: false } } },
  });

  before(async () => {
    subgraph = await startFixtureSubgraph(SDL, { Query: { hello: () => 'world' } });
    sdl = composeForTest([{ name: 'hello', routingUrl: subgraph.url, sdl: SDL }]);
    gateway = await startTestGateway(sdl, settings(30));
  });

  after(async () => {
    await gateway?.stop();
    await subgraph?.stop();
  });

  test('an open breaker stays open through a config reload and the same supergraph again', async () => {
    subgraph.behave({ kind: 'status', status: 503, body: 'down' });
    for (let i = 0; i < 6; i++) await postGraphQL(gateway.url, { query: '{ hello }' });
    assert.equal(gateway.federation.subgraphHealth()['hello']?.breaker, 'open');
    const calls = subgraph.received.length;

    await gateway.reconfigure({ ...gateway.config, limits: { ...gateway.config.limits, max_aliases: 5 } });
    assert.equal(gateway.config.limits.max_aliases, 5, 'the reload was applied');
    await gateway.reloadSupergraph(sdl);
    assert.equal(gateway.federation.subgraphHealth()['hello']?.breaker, 'open', 'still open after both reloads');
    const answer = await postGraphQL(gateway.url, { query: '{ hello }' });
    assert.equal(answer.body.errors[0].extensions.code, 'SUBGRAPH_CIRCUIT_OPEN');
    assert.equal(subgraph.received.length, calls, 'no call to the subgraph the breaker holds open');
  });
});
