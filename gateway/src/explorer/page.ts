import type { ExplorerAssets } from './assets.ts';

/** What the page's script needs to know (gateway/explorer-ui/page-config.ts reads it), but the nonce. */
export interface PageConfig {
  graphqlPath: string;
  requestIdHeader: string;
  queryPlan: boolean;
  demoTokenPath: string | undefined;
}

/**
 * The page's Content-Security-Policy. The script and style sheet are files of this origin, the
 * page's settings a JSON data block (never executed): no inline script, no eval. The one <style>
 * element GraphiQL adds at run time (its dialogs' scroll lock) carries `nonce`, fresh per response.
 */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** The page's other headers. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
  // The same URL answers GraphQL (JSON) or this page, by `accept`.
  vary: 'accept',
};

/** Stands for the nonce in the page's template (explorer.ts puts each response's own there). */
export const NONCE_SLOT = '"styleNonce":""';

/** The explorer page: the built script and style sheet, and its settings as JSON data (`NONCE_SLOT` in it). */
export function explorerPage(assets: ExplorerAssets, assetPrefix: string, config: PageConfig): string {
  // `<` escaped: the JSON cannot close its <script> element whatever a path holds.
  const settings = JSON.stringify({ ...config, styleNonce: '' }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tollgate explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetPrefix}${assets.style}">
<script type="application/json" id="tollgate-explorer-config">${settings}</script>
<script type="module" src="${assetPrefix}${assets.script}"></script>
</head>
<body>
<div id="explorer"></div>
</body>
</html>
`;
}

/** What a browser gets when the explorer is on but its files were never built. */
export function notBuiltPage(reason: string): string {
  const text = reason.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tollgate explorer not built</title></head>
<body><h1>The explorer is not built</h1>
<p>This gateway has the explorer on (<code>explorer.enabled</code>) but its files are missing: ${text}.</p>
<p>Run <code>npm run build:explorer</code> (or <code>npm install</code>, which builds it) and restart the gateway.
GraphQL requests (POST, or GET with <code>accept: application/json</code>) are served as usual.</p>
</body></html>
`;
}
