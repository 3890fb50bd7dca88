// products-api: the REST service behind the catalog subgraph.
//   GET /products?upcs=p1,p2        batch; unknown upcs are simply absent
//   GET /products/featured?limit=N  featured products in display order (default 4)
import { products, type ProductRow } from './data.ts';
import { listParam, type RestRouter } from './rest-server.ts';

/** The wire shape: the `featured` flag is internal to the service. */
export type ProductJson = Omit<ProductRow, 'featured'>;

const toJson = ({ featured: _featured, ...product }: ProductRow): ProductJson => product;

export const productsApiRouter: RestRouter = (url) => {
  if (url.pathname === '/products') {
    const upcs = listParam(url, 'upcs');
    const wanted = new Set(upcs);
    return { method: 'GET /products', keys: upcs, status: 200, body: products.filter((p) => wanted.has(p.upc)).map(toJson) };
  }
  if (url.pathname === '/products/featured') {
    const limit = Number(url.searchParams.get('limit') ?? 4);
    if (!Number.isInteger(limit) || limit < 0) {
      return { method: 'GET /products/featured', keys: [], status: 400, body: { error: 'limit must be a non-negative integer' } };
    }
    const featured = products.filter((p) => p.featured).slice(0, limit).map(toJson);
    return { method: 'GET /products/featured', keys: [], status: 200, body: featured };
  }
  return null;
};
