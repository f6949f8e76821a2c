#!/usr/bin/env node
// Packs one prebuilt platform package (native/platforms/<platform>) with npm pack, what `neon dist -p`
// and `npm pack` do in Neon's release workflow:
//   node scripts/pack-platform.js [--platform linux-x64-gnu] [--from native/index.node] [--out artifacts/prebuilt]
// The addon is copied in as index.node (the package's only file besides package.json and README.md:
// model weights never go into an npm package). Prints the tarball's path.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const { currentPlatform, PLATFORMS } = require('../native/platform');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function fail(message) {
  console.error(`pack-platform: ${message}`);
  process.exit(1);
}

const platform = arg('--platform', currentPlatform());
const from = path.resolve(arg('--from', path.join(root, 'native', 'index.node')));
const out = path.resolve(arg('--out', path.join(root, 'artifacts', 'prebuilt')));
if (!PLATFORMS.includes(platform)) fail(`${platform} is not one of native/package.json's neon.platforms (${PLATFORMS.join(', ')})`);
if (!fs.existsSync(from)) fail(`${from} does not exist: build the addon first (npm run build:native)`);

const pkgDir = path.join(root, 'native', 'platforms', platform);
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const { version } = JSON.parse(fs.readFileSync(path.join(root, 'native', 'package.json'), 'utf8'));
if (pkg.version !== version) fail(`${pkg.name} is ${pkg.version} but samsara-native is ${version}: bump them together (npx neon bump)`);

fs.copyFileSync(from, path.join(pkgDir, 'index.node'));
fs.mkdirSync(out, { recursive: true });
const r = spawnSync('npm', ['pack', '--json', '--pack-destination', out], {
  cwd: pkgDir,
  encoding: 'utf8',
  shell: process.platform === 'win32',
});
if (r.status !== 0) fail(`npm pack failed: ${r.stderr}`);
const [{ filename, files }] = JSON.parse(r.stdout);
const names = files.map((f) => f.path).sort();
if (names.join() !== ['README.md', 'index.node', 'package.json'].join()) fail(`unexpected files in the package: ${names.join(', ')}`);
console.log(path.join(out, filename));
