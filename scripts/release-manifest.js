#!/usr/bin/env node
// Writes into native/package.json what can only be there for the release (.github/workflows/release.yml
// runs it just before `npm publish` of samsara-native, on the runner's checkout, never committed):
//   - optionalDependencies: `@samsara/<platform>` at samsara-native's version for every platform of
//     neon.platforms, so npm installs the prebuilt addon. They can't be committed: `npm ci` in the
//     repository would have to lock packages that are not published yet.
//   - the workspace's Cargo.lock and .cargo/config.toml (the x86-64-v3 baseline) copied into native/ and
//     added to "files", so a build from source of the published package uses the versions and CPU
//     flags we tested (cargo reads both from the folder it builds in).
//   node scripts/release-manifest.js [--root <checkout>]      (default: this repository)
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function releaseManifest(root) {
  const native = path.join(root, 'native');
  const file = path.join(native, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  const platforms = Object.keys((pkg.neon && pkg.neon.platforms) || {});
  if (platforms.length === 0) throw new Error(`${file} lists no neon.platforms`);
  // Without a "files" list npm packs the whole folder; adding one here would then ship Cargo.lock alone.
  if (!Array.isArray(pkg.files)) throw new Error(`${file} has no "files" list`);
  pkg.optionalDependencies = Object.fromEntries(platforms.map((p) => [`${pkg.neon.org}/${p}`, pkg.version]));
  for (const f of ['Cargo.lock', '.cargo/config.toml']) {
    if (!pkg.files.includes(f)) pkg.files.push(f);
    fs.mkdirSync(path.dirname(path.join(native, f)), { recursive: true });
    fs.copyFileSync(path.join(root, f), path.join(native, f));
  }
  fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  return pkg;
}

const i = process.argv.indexOf('--root');
const root = path.resolve(i > 0 && process.argv[i + 1] ? process.argv[i + 1] : path.join(__dirname, '..'));
try {
  const pkg = releaseManifest(root);
  console.log(`release-manifest: ${pkg.name}@${pkg.version} optionalDependencies ${Object.keys(pkg.optionalDependencies).join(', ')}; Cargo.lock and .cargo/config.toml added`);
} catch (e) {
  console.error(`release-manifest: ${e.message}`);
  process.exitCode = 1;
}
