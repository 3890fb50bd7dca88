// The catalog subgraph: products, backed by products-api (REST).
import { buildSchema, type SubgraphModule } from '../shared/subgraph.ts';
import { createCatalogLoaders, type CatalogLoaders } from './loaders.ts';
import { catalogResolvers } from './resolvers.ts';

export function createCatalogSubgraph(backends: { productsApiUrl: string }): SubgraphModule<CatalogLoaders> {
  return {
    schema: buildSchema('catalog', catalogResolvers),
    createContext: (req) => ({ headers: req.headers, loaders: createCatalogLoaders(backends.productsApiUrl) }),
    close: () => {},
  };
}
