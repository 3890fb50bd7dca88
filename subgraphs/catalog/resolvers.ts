import { pageSize, usd, type Resolvers } from '../shared/subgraph.ts';
import type { CatalogLoaders, ProductJson } from './loaders.ts';

export const catalogResolvers: Resolvers<CatalogLoaders> = {
  Query: {
    featuredProducts: (_root, args: { first: number }, ctx) => ctx.loaders.featured(pageSize(args.first)),
    product: (_root, args: { upc: string }, ctx) => ctx.loaders.product.load(args.upc),
  },
  Product: {
    __resolveReference: (ref: { upc: string }, ctx) => ctx.loaders.product.load(ref.upc),
    price: (product: ProductJson) => usd(product.price),
  },
};
