// Cost tests run on supergraphs composed from test/fixtures/cost, the way the gateway gets them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { composeSubgraphs, formatCompositionIssues } from '../../../gateway/src/schema/compose.ts';
import { buildCostModel, type CostModel, type CostModelOptions } from '../../../gateway/src/cost/index.ts';

export function fixtureSdl(name: string): string {
  return readFileSync(new URL(`../../fixtures/cost/${name}.graphql`, import.meta.url), 'utf8');
}

/** Composes subgraphs given as fixture names or as { name, sdl }. */
export function composeSupergraph(...subgraphs: (string | { name: string; sdl: string })[]): string {
  const outcome = composeSubgraphs(
    subgraphs.map((s) => {
      const { name, sdl } = typeof s === 'string' ? { name: s, sdl: fixtureSdl(s) } : s;
      return { name, sdl, routingUrl: `http://${name}.test/graphql`, source: `${name}.graphql` };
    }),
  );
  if (!outcome.ok) assert.fail(`composition failed:\n${formatCompositionIssues(outcome.errors)}`);
  return outcome.supergraphSdl;
}

export function modelOf(subgraphs: (string | { name: string; sdl: string })[], options?: CostModelOptions): CostModel {
  return buildCostModel(composeSupergraph(...subgraphs), options);
}
