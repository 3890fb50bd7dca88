// The accounts subgraph: users, backed by users-api (REST).
import { buildSchema, type SubgraphModule } from '../shared/subgraph.ts';
import { createAccountsLoaders, type AccountsLoaders } from './loaders.ts';
import { accountsResolvers } from './resolvers.ts';

export function createAccountsSubgraph(backends: { usersApiUrl: string }): SubgraphModule<AccountsLoaders> {
  return {
    schema: buildSchema('accounts', accountsResolvers),
    createContext: (req) => ({ headers: req.headers, loaders: createAccountsLoaders(backends.usersApiUrl) }),
    close: () => {},
  };
}
