// The explorer's built files (scripts/build-explorer.mjs → dist/explorer/), read once per process
// and served from memory: content-hashed names, so each is cacheable for a year. Each file is
// gzipped the first time a browser asks for it, not at start-up (tests start hundreds of gateways).
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';

/** Where `npm install` (the `prepare` script) puts the build, from this file: gateway/src/explorer → dist/explorer. */
export const EXPLORER_DIST = new URL('../../../dist/explorer/', import.meta.url);

export interface ExplorerAsset {
  readonly contentType: string;
  readonly body: Buffer;
  readonly etag: string;
  /** The body gzipped (made on first use); undefined when gzip does not make it smaller or the type is binary. */
  gzipped(): Buffer | undefined;
}

export interface ExplorerAssets {
  readonly script: string;
  readonly style: string;
  readonly files: ReadonlyMap<string, ExplorerAsset>;
}

const CONTENT_TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  woff2: 'font/woff2',
  woff: 'font/woff',
  ttf: 'font/ttf',
  svg: 'image/svg+xml',
  png: 'image/png',
};

/**
 * The build in `dir`, or the reason there is none (not built: `npm run build:explorer`). Never
 * throws: a gateway without the explorer's files still serves GraphQL.
 */
export function loadExplorerAssets(dir: URL = EXPLORER_DIST): ExplorerAssets | { missing: string } {
  let loaded = loadedByDir.get(dir.href);
  if (loaded === undefined) loadedByDir.set(dir.href, (loaded = readAssets(dir)));
  return loaded;
}

const loadedByDir = new Map<string, ExplorerAssets | { missing: string }>();

function readAssets(dir: URL): ExplorerAssets | { missing: string } {
  const manifestUrl = new URL('manifest.json', dir);
  if (!existsSync(manifestUrl)) return { missing: `${manifestUrl.pathname} not found` };
  try {
    const manifest = JSON.parse(readFileSync(manifestUrl, 'utf8')) as { script?: string; style?: string; files?: Record<string, number> };
    if (!manifest.script || !manifest.style || !manifest.files) return { missing: `${manifestUrl.pathname} names no script or style` };
    const files = new Map<string, ExplorerAsset>();
    for (const name of Object.keys(manifest.files)) {
      const body = readFileSync(new URL(name, dir));
      const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
      const compressible = type.startsWith('text/') || type.startsWith('image/svg');
      let gzip: Buffer | null | undefined; // null: tried, not smaller
      files.set(name, {
        contentType: type,
        body,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        gzipped() {
          if (!compressible) return undefined;
          if (gzip === undefined) {
            const compressed = gzipSync(body);
            gzip = compressed.length < body.length ? compressed : null;
          }
          return gzip ?? undefined;
        },
      });
    }
    return { script: manifest.script, style: manifest.style, files };
  } catch (error) {
    return { missing: `${manifestUrl.pathname}: ${(error as Error).message}` };
  }
}
