// Builds the operator console (console/) into dist/public/console: one bundled, minified script
// (Preact, bundled by esbuild) and the static files beside it. No CDN: the service serves them.
// `npm run build` runs it; the e2e tests call buildConsole() themselves.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildConsole(outDir = join(root, 'dist', 'public', 'console')) {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, 'console', 'src', 'main.tsx')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
  });
  const staticDir = join(root, 'console', 'static');
  for (const f of readdirSync(staticDir)) copyFileSync(join(staticDir, f), join(outDir, f));
  return outDir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildConsole();
}
