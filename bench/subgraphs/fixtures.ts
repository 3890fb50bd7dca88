// Fixed, deterministic data for the four standard benchmark subgraphs. A bit bigger than the
// classic 2-user demo (8 users, 8 products, 16 reviews) so the heavy nested query is meaty
// (~17 KB, 84 products at the deepest level) while a 2-core machine still does tens of req/s.

export interface User {
  id: string;
  username: string;
  name: string;
  birthday: number;
}

export interface Product {
  upc: string;
  name: string;
  price: number;
  weight: number;
}

export interface Review {
  id: string;
  body: string;
  authorId: string;
  upc: string;
}

const NAMES = [
  'Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra',
  'Barbara Liskov', 'Donald Knuth', 'Margaret Hamilton', 'Ken Thompson',
];
const PRODUCT_NAMES = ['Table', 'Couch', 'Chair', 'Lamp', 'Desk', 'Shelf', 'Bed', 'Rug'];
const REVIEWS_PER_USER = 2;

export const users: readonly User[] = NAMES.map((name, i) => ({
  id: String(i + 1),
  username: `user${i + 1}`,
  name,
  birthday: 1_000_000 + i * 86_400,
}));

export const products: readonly Product[] = PRODUCT_NAMES.map((name, i) => ({
  upc: String(i + 1),
  name,
  price: 100 + i * 150,
  weight: 10 + i * 7,
}));

// Review k is written by user floor(k / REVIEWS_PER_USER) about product (k·(P−1) mod P), P
// products: P−1 is coprime with P, so every user reviews different products and every product
// gets the same number of reviews.
const P = PRODUCT_NAMES.length;
const productOf = (k: number) => (k * (P - 1)) % P;
export const reviews: readonly Review[] = Array.from({ length: NAMES.length * REVIEWS_PER_USER }, (_, k) => ({
  id: String(k + 1),
  body: `Review ${k + 1}: the ${PRODUCT_NAMES[productOf(k)]} is ${k % 2 === 0 ? 'great' : 'fine'}.`,
  authorId: String(Math.floor(k / REVIEWS_PER_USER) + 1),
  upc: String(productOf(k) + 1),
}));

export const usersById = new Map(users.map((u) => [u.id, u]));
export const productsByUpc = new Map(products.map((p) => [p.upc, p]));
export const reviewsById = new Map(reviews.map((r) => [r.id, r]));
export const reviewsByAuthor = groupBy(reviews, (r) => r.authorId);
export const reviewsByUpc = groupBy(reviews, (r) => r.upc);

export function inStock(upc: string): boolean {
  return Number(upc) % 3 !== 0;
}

// Depends only on the @requires fields, so a gateway that forgets to send them gets it wrong.
export function shippingEstimate(price: number, weight: number): number {
  return price > 1000 ? 0 : Math.round(weight / 2);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
