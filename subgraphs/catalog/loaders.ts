// catalog → products-api. One GET /products?upcs=… per request tick, however many products.
// featured() is a single call per field, so it needs no loader.
import DataLoader from 'dataloader';
import { getJson } from '../shared/rest-client.ts';
import { alignByKey } from '../shared/loaders.ts';

/** products-api's wire shape: price in cents, weight in grams. */
export interface ProductJson {
  upc: string;
  name: string;
  price: number;
  weight: number;
}

export interface CatalogLoaders {
  product: DataLoader<string, ProductJson | null>;
  featured(limit: number): Promise<ProductJson[]>;
}

export function createCatalogLoaders(productsApiUrl: string): CatalogLoaders {
  return {
    product: new DataLoader(async (upcs) => {
      const products = await getJson<ProductJson[]>(productsApiUrl, `/products?upcs=${upcs.map(encodeURIComponent).join(',')}`);
      return alignByKey(upcs, products, (p) => p.upc);
    }),
    featured: (limit) => getJson<ProductJson[]>(productsApiUrl, `/products/featured?limit=${limit}`),
  };
}
