// Shared pieces of the REST endpoint tests: a small subgraph with @cacheControl hints (kept in the
// supergraph by @composeDirective), a manifest of trusted documents written to a temp dir, and a
// gateway serving endpoints over them.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayConfigInput } from '../../../gateway/src/config/schema.ts';
import type { RunningGateway } from '../../../gateway/src/gateway.ts';
import { startFixtureSubgraph, type FixtureSubgraph } from '../../support/fixture-subgraph.ts';
import { composeForTest, startTestGateway } from '../../support/gateway.ts';

export const CACHE_CONTROL_LINK = `
  @link(url: "https://example.com/specs/cacheControl/v0.1", import: ["@cacheControl"])
  @composeDirective(name: "@cacheControl")
enum CacheControlScope { PUBLIC PRIVATE }
directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`;

export const SHOP_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective", "@authenticated"])
${CACHE_CONTROL_LINK}
enum Color { RED GREEN }
scalar Date
input Filter { color: Color }
type Query {
  echo(id: ID!, n: Int, ratio: Float, flag: Boolean, color: Color, tags: [String!], when: Date): Echo @cacheControl(maxAge: 120)
  item(id: ID!): Item @cacheControl(maxAge: 60)
  items: [Item!]! @cacheControl(maxAge: 60)
  search(filter: Filter): [Item!]!
  matrix(rows: [[Int!]!]): Int
  secret: String @authenticated
  broken: String
}
type Mutation { touch: Int }
type Echo { id: ID! n: Int ratio: Float flag: Boolean color: Color tags: [String!] when: Date }
type Item @key(fields: "id") @cacheControl(maxAge: 300) {
  id: ID!
  "The item's name."
  name: String!
  price: Int @cacheControl(maxAge: 30, scope: PRIVATE)
  details: Details
}
type Details { text: String }
`;

const ITEMS: Record<string, { id: string; name: string; price: number }> = {
  i1: { id: 'i1', name: 'Kettle', price: 2500 },
  i2: { id: 'i2', name: 'Teapot', price: 1800 },
};

export function startShopSubgraph(): Promise<FixtureSubgraph> {
  return startFixtureSubgraph(SHOP_SDL, {
    Query: {
      echo: (_root, args: any) => args,
      item: (_root, args: any) => ITEMS[args.id] ?? null,
      items: () => Object.values(ITEMS),
      search: () => [],
      matrix: () => 0,
      secret: () => 'hush',
      broken: () => {
        throw new Error('the database is on fire');
      },
    },
    Mutation: { touch: () => 1 },
  });
}

/** The trusted documents (a Relay manifest: id → text). */
export const DOCUMENTS = {
  echo: 'query Echo($id: ID!, $n: Int, $ratio: Float, $flag: Boolean, $color: Color, $tags: [String!], $when: Date) { echo(id: $id, n: $n, ratio: $ratio, flag: $flag, color: $color, tags: $tags, when: $when) { id n ratio flag color tags when } }',
  item: 'query Item($id: ID!) { item(id: $id) { id name } }',
  'item-price': 'query ItemPrice($id: ID!) { item(id: $id) { id price } }',
  items: 'query Items { items { id name } }',
  search: 'query Search($filter: Filter) { search(filter: $filter) { id } }',
  matrix: 'query Matrix($rows: [[Int!]!]) { matrix(rows: $rows) }',
  secret: 'query Secret { secret }',
  broken: 'query Broken { broken }',
  touch: 'mutation Touch { touch }',
  two: 'query First { items { id } } query Second { item(id: "i1") { id } }',
} as const;

export type DocumentId = keyof typeof DOCUMENTS;

export interface ShopGateway {
  gateway: RunningGateway;
  /** http://127.0.0.1:<port> */
  origin: string;
  stop(): Promise<void>;
}

/** Writes the manifest to a temp dir; returns its path and a cleanup. */
export async function writeManifest(): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-rest-'));
  const file = join(dir, 'shop.json');
  await writeFile(file, JSON.stringify(DOCUMENTS));
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The supergraph of the shop subgraph at `url`. */
export function shopSupergraph(url: string, sdl = SHOP_SDL): string {
  return composeForTest([{ name: 'shop', routingUrl: url, sdl }]);
}

/** A gateway over the shop subgraph with the manifest loaded and `overrides` (e.g. `rest_endpoints`). */
export async function startShopGateway(subgraph: FixtureSubgraph, overrides: Omit<GatewayConfigInput, 'supergraph'> = {}): Promise<ShopGateway> {
  const manifest = await writeManifest();
  try {
    const gateway = await startTestGateway(shopSupergraph(subgraph.url), { persisted_documents: { manifests: [{ file: manifest.file }] }, ...overrides });
    return {
      gateway,
      origin: `http://127.0.0.1:${gateway.port}`,
      async stop() {
        await gateway.stop();
        await manifest.remove();
      },
    };
  } catch (error) {
    await manifest.remove();
    throw error;
  }
}

export interface RestResult {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<RestResult> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}
