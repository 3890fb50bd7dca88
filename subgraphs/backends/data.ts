// Demo data for the four backends, held in memory. Kept in one file so ids line up across
// services (orders reference users and products; reviews reference both).

export interface UserRow {
  id: string;
  username: string;
  name: string;
  email: string;
}

export interface ProductRow {
  upc: string;
  name: string;
  /** Price in cents. */
  price: number;
  /** Weight in grams. */
  weight: number;
  featured: boolean;
}

export interface OrderRow {
  id: string;
  userId: string;
  status: 'PLACED' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';
  createdAt: string;
  items: { upc: string; quantity: number; unitPriceCents: number }[];
}

export interface ReviewRow {
  id: string;
  upc: string;
  authorId: string;
  rating: number;
  body: string;
  createdAt: string;
}

export const users: UserRow[] = [
  { id: 'u1', username: 'alice', name: 'Alice Liddell', email: 'alice@example.com' },
  { id: 'u2', username: 'bob', name: 'Bob Builder', email: 'bob@example.com' },
  { id: 'u3', username: 'carol', name: 'Carol Danvers', email: 'carol@example.com' },
  { id: 'u4', username: 'dave', name: 'Dave Bowman', email: 'dave@example.com' },
  // No orders and no reviews: the empty-list edge case.
  { id: 'u5', username: 'eve', name: 'Eve Moneypenny', email: 'eve@example.com' },
];

export const products: ProductRow[] = [
  { upc: 'p1', name: 'Trail Running Shoes', price: 12900, weight: 850, featured: true },
  { upc: 'p2', name: 'Insulated Water Bottle', price: 2900, weight: 420, featured: true },
  { upc: 'p3', name: 'Ultralight Tent', price: 34900, weight: 1350, featured: true },
  { upc: 'p4', name: 'Headlamp', price: 3900, weight: 90, featured: true },
  { upc: 'p5', name: 'Merino Wool Socks', price: 1900, weight: 80, featured: false },
  { upc: 'p6', name: 'Camp Stove', price: 5900, weight: 370, featured: true },
  { upc: 'p7', name: 'Trekking Poles', price: 8900, weight: 510, featured: false },
  { upc: 'p8', name: 'Down Sleeping Bag', price: 27900, weight: 1100, featured: false },
];

const priceOf = (upc: string): number => products.find((p) => p.upc === upc)?.price ?? 0;
const item = (upc: string, quantity: number) => ({ upc, quantity, unitPriceCents: priceOf(upc) });

export const orders: OrderRow[] = [
  { id: 'o1', userId: 'u1', status: 'DELIVERED', createdAt: '2024-11-02T10:15:00Z', items: [item('p1', 1), item('p5', 3)] },
  { id: 'o2', userId: 'u1', status: 'SHIPPED', createdAt: '2025-01-18T08:40:00Z', items: [item('p3', 1)] },
  { id: 'o3', userId: 'u1', status: 'PLACED', createdAt: '2025-02-27T19:05:00Z', items: [item('p2', 2), item('p4', 1)] },
  { id: 'o4', userId: 'u1', status: 'CANCELLED', createdAt: '2024-09-11T12:00:00Z', items: [item('p8', 1)] },
  { id: 'o5', userId: 'u2', status: 'DELIVERED', createdAt: '2024-12-24T16:30:00Z', items: [item('p6', 1), item('p2', 1)] },
  { id: 'o6', userId: 'u2', status: 'PLACED', createdAt: '2025-03-01T07:20:00Z', items: [item('p7', 1)] },
  { id: 'o7', userId: 'u3', status: 'SHIPPED', createdAt: '2025-02-14T11:11:00Z', items: [item('p1', 1), item('p7', 1), item('p4', 2)] },
  { id: 'o8', userId: 'u4', status: 'DELIVERED', createdAt: '2024-10-05T09:00:00Z', items: [item('p5', 5)] },
];

export const reviews: ReviewRow[] = [
  { id: 'r1', upc: 'p1', authorId: 'u1', rating: 5, body: 'Grippy on wet rock, comfy from the first run.', createdAt: '2024-11-20T10:00:00Z' },
  { id: 'r2', upc: 'p1', authorId: 'u3', rating: 4, body: 'Great shoes, run a half size small.', createdAt: '2025-02-20T10:00:00Z' },
  { id: 'r3', upc: 'p2', authorId: 'u2', rating: 5, body: 'Ice still there after a full day in the sun.', createdAt: '2025-01-05T10:00:00Z' },
  { id: 'r4', upc: 'p2', authorId: 'u1', rating: 3, body: 'Keeps things cold but the lid leaks a little.', createdAt: '2025-03-02T10:00:00Z' },
  { id: 'r5', upc: 'p3', authorId: 'u1', rating: 5, body: 'Pitches in two minutes and weighs nothing.', createdAt: '2025-02-01T10:00:00Z' },
  { id: 'r6', upc: 'p4', authorId: 'u4', rating: 4, body: 'Bright, and the battery lasts all week.', createdAt: '2024-12-01T10:00:00Z' },
  { id: 'r7', upc: 'p4', authorId: 'u3', rating: 5, body: 'Red-light mode is a must for camp.', createdAt: '2025-02-25T10:00:00Z' },
  { id: 'r8', upc: 'p5', authorId: 'u4', rating: 4, body: 'Warm, no itch, holding up well.', createdAt: '2024-10-30T10:00:00Z' },
  { id: 'r9', upc: 'p6', authorId: 'u2', rating: 2, body: 'Boils fast but the igniter died.', createdAt: '2025-01-10T10:00:00Z' },
  { id: 'r10', upc: 'p7', authorId: 'u3', rating: 4, body: 'Solid locks, a bit heavy.', createdAt: '2025-02-28T10:00:00Z' },
  { id: 'r11', upc: 'p1', authorId: 'u2', rating: 3, body: 'Good grip, wore out after 500 km.', createdAt: '2025-03-03T10:00:00Z' },
  // p8 has no reviews: the empty-summary edge case.
];

/** The review service keeps a denormalised copy of the author's username. */
export function usernameOf(userId: string): string {
  return users.find((u) => u.id === userId)?.username ?? 'unknown';
}
