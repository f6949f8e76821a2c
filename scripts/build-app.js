#!/usr/bin/env node
// Builds the Electron app into dist/ with esbuild: main (Node, CommonJS; the native addon stays a
// runtime require), preload (one sandbox-safe file whose only import is 'electron'), renderer (one
// browser script + index.html + styles.css).
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const common = { bundle: true, sourcemap: 'linked', target: 'es2022', logLevel: 'warning', absWorkingDir: root };

async function main() {
  fs.rmSync(dist, { recursive: true, force: true });
  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: ['electron/main.ts'],
      outfile: 'dist/electron/main.js',
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
    }),
    esbuild.build({
      ...common,
      entryPoints: ['preload/preload.ts'],
      outfile: 'dist/preload/preload.js',
      platform: 'node',
      format: 'cjs',
      external: ['electron'],
    }),
    esbuild.build({
      ...common,
      entryPoints: ['renderer/app.ts'],
      outfile: 'dist/renderer/app.js',
      platform: 'browser',
      format: 'iife',
    }),
  ]);
  for (const f of ['index.html', 'styles.css']) {
    fs.copyFileSync(path.join(root, 'renderer', f), path.join(dist, 'renderer', f));
  }
  console.log('built dist/ (electron, preload, renderer)');
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
