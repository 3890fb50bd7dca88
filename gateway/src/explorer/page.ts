import type { ExplorerAssets } from './assets.ts';

/** What the page's script needs to know (gateway/explorer-ui/page-config.ts reads it). */
export interface PageConfig {
  graphqlPath: string;
  requestIdHeader: string;
  queryPlan: boolean;
  demoTokenPath: string | undefined;
}

/**
 * The page's security headers. The script and style sheet are files of this origin, the page's
 * settings a JSON data block (never executed): no inline script, no eval. Styles allow
 * 'unsafe-inline' because GraphiQL's dialogs (Radix, via react-remove-scroll) and CodeMirror add
 * <style> elements at run time; a style cannot run code, and every script stays 'self' only.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
  // The same URL answers GraphQL (JSON) or this page, by `accept`.
  vary: 'accept',
};

/** The explorer page: the built script and style sheet, and its settings as JSON data. */
export function explorerPage(assets: ExplorerAssets, assetPrefix: string, config: PageConfig): string {
  // `<` escaped: the JSON cannot close its <script> element whatever a path holds.
  const settings = JSON.stringify(config).replace(/</g, '\\u003c');
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
