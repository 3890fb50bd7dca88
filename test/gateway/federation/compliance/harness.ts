// What every compliance suite needs: its fixture's subgraphs, a gateway per executor over them
// (started before the suite's tests, stopped after), and the monolith's answer as plain JSON.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { graphql, type GraphQLSchema } from 'graphql';
import type { RunningGateway } from '../../../../gateway/src/gateway.ts';
import { composeForTest, postGraphQL, startBothExecutors } from '../../../support/gateway.ts';

export interface ComplianceGateways<Stack> {
  stack: Stack;
  tollgate: RunningGateway;
  apollo: RunningGateway;
}

/** Registers the suite's before/after hooks; the returned object is filled in by `before`. */
export function complianceGateways<Stack extends { services: Parameters<typeof composeForTest>[0]; stop(): Promise<void> }>(
  start: () => Promise<Stack>,
): ComplianceGateways<Stack> {
  const started = {} as ComplianceGateways<Stack>;
  before(async () => {
    started.stack = await start();
    Object.assign(started, await startBothExecutors(composeForTest(started.stack.services)));
  });
  after(async () => {
    await started.apollo?.stop();
    await started.tollgate?.stop();
    await started.stack?.stop();
  });
  return started;
}

/** The monolith's answer, as JSON (what a gateway's body parses to). */
export async function oracleAnswer(oracle: { schema: GraphQLSchema; rootValue?: unknown; contextValue?: unknown }, query: string, variables?: Record<string, unknown>) {
  return JSON.parse(JSON.stringify(await graphql({ ...oracle, source: query, variableValues: variables })));
}

export interface ComplianceCase {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Why executor: apollo answers otherwise than the oracle and Tollgate (it must then differ). */
  stockGatewayDiffers?: string;
}

type Oracle = Parameters<typeof oracleAnswer>[0];

/**
 * One test per case: the oracle answers without errors, Tollgate's answer is the oracle's, and the
 * stock gateway's is too unless the case says why it differs (then it must differ).
 */
export function complianceTests(started: ComplianceGateways<unknown>, oracle: Oracle, cases: readonly ComplianceCase[]): void {
  for (const c of cases) {
    test(c.name, async () => {
      const expected = await oracleAnswer(oracle, c.query, c.variables);
      assert.equal(expected.errors, undefined, 'the oracle answers without errors');
      const actual = await postGraphQL(started.tollgate.url, { query: c.query, variables: c.variables });
      assert.deepEqual(actual.body, expected, 'tollgate');
      const stock = await postGraphQL(started.apollo.url, { query: c.query, variables: c.variables });
      if (c.stockGatewayDiffers) assert.notDeepEqual(stock.body, expected, c.stockGatewayDiffers);
      else assert.deepEqual(stock.body, expected, 'the stock gateway agrees');
    });
  }
}
