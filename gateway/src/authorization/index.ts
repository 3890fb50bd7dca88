// Field-level authorization (@authenticated / @requiresScopes): the concern's public surface.
// The start-up wiring builds the hook per supergraph and hands the executor a supergraph it will load.
export { createOperationAuthorizer } from './authorizer.ts';
export { supergraphForExecutor } from './executor-supergraph.ts';
