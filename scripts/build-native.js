#!/usr/bin/env node
// Builds the Rust addon in release and copies it to native/index.node (what native/index.js loads).
//   node scripts/build-native.js            build (cargo skips the work when nothing changed)
//   SAMSARA_SKIP_NATIVE_BUILD=1             skip, e.g. when a prebuilt index.node is provided
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
if (process.env.SAMSARA_SKIP_NATIVE_BUILD === '1') {
  console.log('build-native: skipped (SAMSARA_SKIP_NATIVE_BUILD=1)');
  process.exit(0);
}
const cargo = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
if (cargo.status !== 0) {
  console.error('build-native: cargo was not found. Install Rust (https://rustup.rs), then run `npm run build:native`.');
  process.exit(1);
}
const args = ['build', '--release', '-p', 'samsara-native', ...process.argv.slice(2)];
console.log(`build-native: cargo ${args.join(' ')}`);
const r = spawnSync('cargo', args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

const lib = { win32: 'samsara_native.dll', darwin: 'libsamsara_native.dylib' }[process.platform] ?? 'libsamsara_native.so';
const built = path.join(root, 'target', 'release', lib);
const dest = path.join(root, 'native', 'index.node');
// Copy to a temporary name and rename, so a running process never sees a half-written file.
fs.copyFileSync(built, `${dest}.tmp`);
fs.renameSync(`${dest}.tmp`, dest);
console.log(`build-native: ${path.relative(root, dest)} ready`);
