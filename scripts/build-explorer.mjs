// Builds the explorer page's static files (gateway/explorer-ui → dist/explorer/) with esbuild:
// one script and one style sheet, minified, with content-hashed names (the gateway serves them
// with a year-long cache), and manifest.json naming them. Runs on `npm install` / `npm ci` (the
// `prepare` script) and `npm run build:explorer`; the gateway reads the manifest at start-up.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'explorer');

let result;
try {
  result = await build({
    entryPoints: [join(root, 'gateway', 'explorer-ui', 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    outdir,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    // Fonts and images the style sheets name become files beside them, never a URL elsewhere.
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file', '.png': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
    write: false,
  });
} catch (error) {
  // Without the UI packages (e.g. `npm ci --omit=dev`) there is nothing to build: the gateway
  // then starts without the explorer and says why (gateway/src/explorer/assets.ts).
  console.error(`build-explorer: not built: ${error.message.split('\n')[0]}`);
  process.exit(process.env.TOLLGATE_EXPLORER_BUILD_STRICT ? 1 : 0);
}

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const files = {};
for (const file of result.outputFiles) {
  writeFileSync(file.path, file.contents);
  files[basename(file.path)] = file.contents.length;
}
const names = Object.keys(files);
const manifest = {
  script: names.find((name) => /^main-.*\.js$/.test(name)),
  style: names.find((name) => /^main-.*\.css$/.test(name)),
  files,
};
writeFileSync(join(outdir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
const kb = (bytes) => `${Math.round(bytes / 1024)} KB`;
console.log(`build-explorer: dist/explorer/ ${manifest.script} (${kb(files[manifest.script])}), ${manifest.style} (${kb(files[manifest.style])})`);
