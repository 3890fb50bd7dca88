// The explorer's routes: the page (a browser's GET of the GraphQL path), its static files under
// /-/explorer/, and in the demo stack alone a demo token. The listener (http/server.ts) asks
// `wantsPage` only for a GET: a POST to the GraphQL path never reaches this file.
import { randomBytes } from 'node:crypto';
import Negotiator from 'negotiator';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ExplorerAssets } from './assets.ts';
import { explorerPage, NONCE_SLOT, notBuiltPage, PAGE_HEADERS, pageCsp, type PageConfig } from './page.ts';

/** A path of the gateway's own, beside any GraphQL or REST path an operator chooses. */
export const EXPLORER_PREFIX = '/-/explorer/';
const DEMO_TOKEN_PATH = `${EXPLORER_PREFIX}demo-token`;

/** A demo token and what it grants (subgraphs/dev.ts mints it with the demo key pair). */
export interface DemoToken {
  token: string;
  subject: string;
  scope: string;
}

export interface ExplorerOptions {
  graphqlPath: string;
  requestIdHeader: string;
  /** `explorer.expose_query_plan`: the page asks for plans. */
  queryPlan: boolean;
  /** The built files, or why there are none. */
  assets: ExplorerAssets | { missing: string };
  /** Only the demo stack passes this (StartOptions.demoToken): never from gateway.yaml. */
  demoToken?: (() => Promise<DemoToken>) | undefined;
}

const GRAPHQL_PARAMETERS = ['query', 'documentId', 'extensions'];
// Offered in this order: a client that takes anything (`*/*`) gets GraphQL, not the page.
const PAGE_OR_GRAPHQL = ['application/graphql-response+json', 'application/json', 'text/html'];

/** Year-long caching is safe: every name carries its content's hash. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';

export class Explorer {
  /** The page around its nonce (built once; each response joins the parts with a nonce of its own). */
  readonly #page: { status: number; before: string; after: string };

  constructor(private readonly options: ExplorerOptions) {
    const { assets } = options;
    const config: PageConfig = {
      graphqlPath: options.graphqlPath,
      requestIdHeader: options.requestIdHeader,
      queryPlan: options.queryPlan,
      demoTokenPath: options.demoToken ? DEMO_TOKEN_PATH : undefined,
    };
    if ('missing' in assets) {
      this.#page = { status: 503, before: notBuiltPage(assets.missing), after: '' };
    } else {
      const [before, after] = explorerPage(assets, EXPLORER_PREFIX, config).split(NONCE_SLOT) as [string, string];
      this.#page = { status: 200, before: `${before}"styleNonce":"`, after: `"${after}` };
    }
  }

  /**
   * A browser navigating to the GraphQL path: a GET (the caller checked) whose `accept` names HTML
   * and whose URL carries no GraphQL request (a GET with `query`, `documentId` or `extensions` is
   * one, answered as always: 406 when its `accept` allows no JSON).
   */
  static wantsPage(url: string | undefined, headers: IncomingHttpHeaders): boolean {
    const accept = headers.accept;
    if (accept === undefined || !accept.toLowerCase().includes('text/html')) return false;
    // HTML preferred by the Accept header's own rules (q-values, case), not a substring.
    if (new Negotiator({ headers: { accept } }).mediaType(PAGE_OR_GRAPHQL) !== 'text/html') return false;
    const query = url?.indexOf('?') ?? -1;
    if (query === -1) return true;
    // Names as the GraphQL GET reads them (percent-decoded): a request for data is never the page.
    const params = new URLSearchParams(url!.slice(query + 1));
    return !GRAPHQL_PARAMETERS.some((name) => params.has(name));
  }

  /** The page, with its security headers and a nonce of its own. */
  page(req: IncomingMessage, res: ServerResponse): void {
    const { status, before, after } = this.#page;
    const nonce = randomBytes(18).toString('base64');
    const body = Buffer.from(status === 200 ? before + nonce + after : before);
    res.writeHead(status, { ...PAGE_HEADERS, 'content-security-policy': pageCsp(nonce), 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** A path under EXPLORER_PREFIX: a built file, the demo token, or 404 (false: the caller answers it). */
  serve(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (path === DEMO_TOKEN_PATH && this.options.demoToken) {
      this.demoToken(req, res, this.options.demoToken);
      return true;
    }
    const { assets } = this.options;
    const asset = 'missing' in assets ? undefined : assets.files.get(path.slice(EXPLORER_PREFIX.length));
    if (asset === undefined) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('Method not allowed\n');
      return true;
    }
    const headers: Record<string, string | number> = { 'content-type': asset.contentType, 'cache-control': ASSET_CACHE, etag: asset.etag, 'x-content-type-options': 'nosniff', vary: 'accept-encoding' };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const gzip = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '') ? asset.gzipped() : undefined;
    const body = gzip ?? asset.body;
    if (gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }

  /**
   * POST with `content-type: application/json` only: a cross-site form cannot send that, so no
   * other page can have a token minted for it (and CORS keeps other origins from reading one).
   */
  private demoToken(req: IncomingMessage, res: ServerResponse, mint: () => Promise<DemoToken>): void {
    const json = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    req.resume();
    if (req.method !== 'POST') return json(405, { error: 'POST with content-type: application/json' });
    if ((req.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase() !== 'application/json') return json(415, { error: 'content-type must be application/json' });
    mint().then(
      (token) => json(200, token),
      () => json(500, { error: 'the demo token could not be minted' }),
    );
  }
}
