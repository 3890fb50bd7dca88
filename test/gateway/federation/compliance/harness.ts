// What every compliance suite needs: its fixture's subgraphs, a gateway per executor over them
// (started before the suite's tests, stopped after), and the monolith's answer as plain JSON.
import { after, before } from 'node:test';
import { graphql, type GraphQLSchema } from 'graphql';
import type { RunningGateway } from '../../../../gateway/src/gateway.ts';
import { composeForTest, startBothExecutors } from '../../../support/gateway.ts';

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
