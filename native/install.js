#!/usr/bin/env node
'use strict';
// samsara-native's install step: use the prebuilt addon for this platform when there is one, else build
// from source (needs Rust). Runs from `npm install` (this package's install script) and from `npm test`.
//   node install.js                   prebuilt if present and loadable, else build from source
//   node install.js --from-source     always build with cargo (cargo skips the work when nothing changed)
//   SAMSARA_PREBUILT_DIR=<folder>     a folder of platform packages (npm-packed .tgz files, or unpacked
//                                     package folders named after the platform) to install the prebuilt from
//   SAMSARA_SKIP_NATIVE_BUILD=1       do nothing (an index.node is provided some other way)
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { currentPlatform, packageName, PLATFORMS } = require('./platform');

const dir = __dirname;
const { version } = require('./package.json');
const say = (line) => console.log(`samsara-native: ${line}`);

/** Runs npm: the one running this script when there is one ($npm_execpath), else npm from PATH. */
function npm(args, cwd) {
  const execpath = process.env.npm_execpath;
  const r = execpath && execpath.endsWith('.js')
    ? spawnSync(process.execPath, [execpath, ...args], { cwd, encoding: 'utf8' })
    : spawnSync('npm', args, { cwd, encoding: 'utf8', shell: process.platform === 'win32' });
  return r.status === 0 ? null : (r.stderr || r.stdout || `npm exited with ${r.status}`).trim().split('\n').pop();
}

/** The platform package in $SAMSARA_PREBUILT_DIR, as an npm install spec, or why there is none. */
function fromPrebuiltDir(folder, platform) {
  const tarball = path.join(folder, `${packageName(platform).replace('@', '').replace('/', '-')}-${version}.tgz`);
  if (fs.existsSync(tarball)) return { spec: tarball };
  const unpacked = path.join(folder, platform);
  if (fs.existsSync(path.join(unpacked, 'package.json'))) return { spec: unpacked };
  return { missing: `SAMSARA_PREBUILT_DIR (${folder}) has neither ${path.basename(tarball)} nor ${platform}/package.json` };
}

/** Loads the installed platform package in a child process (a bad binary must not take this one down). */
function prebuiltLoads(name) {
  const probe = `const p=require.resolve(${JSON.stringify(`${name}/package.json`)},{paths:[${JSON.stringify(dir)}]});` +
    `const v=require(p).version;if(v!==${JSON.stringify(version)})throw new Error(v+' is not '+${JSON.stringify(version)});` +
    `require(require('path').join(require('path').dirname(p),'index.node')).limits();`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  if (r.status === 0) return null;
  const lines = (r.stderr || '').trim().split('\n').filter((l) => /Error/.test(l));
  return lines[0] || `exit ${r.status}`;
}

/** Uses the prebuilt when one is (or can be) installed; returns why not otherwise. */
function usePrebuilt() {
  const platform = currentPlatform();
  const name = packageName(platform);
  if (!PLATFORMS.includes(platform)) return `no prebuilt binary is published for ${platform}`;
  const folder = process.env.SAMSARA_PREBUILT_DIR;
  if (folder) {
    const found = fromPrebuiltDir(path.resolve(folder), platform);
    if (found.missing) return found.missing;
    say(`installing ${name} from ${found.spec}`);
    const failed = npm(['install', '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', found.spec], dir);
    if (failed) return `npm could not install ${found.spec}: ${failed}`;
  }
  let installed;
  try {
    installed = require.resolve(`${name}/package.json`, { paths: [dir] });
  } catch {
    return `${name} is not installed (npm skips it on other platforms, and when optional dependencies are omitted)`;
  }
  const problem = prebuiltLoads(name);
  if (problem) return `${name} is installed but does not load: ${problem}`;
  // A build from source beside us would be loaded first (platform.js); it is stale next to a new prebuilt.
  fs.rmSync(path.join(dir, 'index.node'), { force: true });
  say(`using the prebuilt ${name}@${version} (${path.dirname(installed)}); no Rust needed`);
  return null;
}

/** cargo build --release, then copies the cdylib to ./index.node (what `neon dist` does). */
function buildFromSource(why) {
  if (why) say(`no prebuilt binary (${why}).`);
  if (spawnSync('cargo', ['--version'], { encoding: 'utf8' }).status !== 0) {
    console.error('samsara-native: building from source needs Rust, and cargo was not found. Install Rust from https://rustup.rs, then run `npm run build:native`.');
    return 1;
  }
  say('building from source with cargo (release; about 5 minutes the first time)');
  const args = ['build', '--release', '-p', 'samsara-native', '--message-format=json-render-diagnostics'];
  const r = spawnSync('cargo', args, { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    console.error(`samsara-native: cargo ${args.join(' ')} failed (exit ${r.status ?? r.error?.message}).`);
    return r.status || 1;
  }
  // The compiler's own record of where the library went (honours CARGO_TARGET_DIR).
  const built = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
    .filter((m) => m.reason === 'compiler-artifact' && m.target?.name === 'samsara_native' && m.target.kind.includes('cdylib'))
    .flatMap((m) => m.filenames).find((f) => /\.(so|dylib|dll)$/.test(f));
  if (!built) {
    console.error('samsara-native: cargo finished but reported no cdylib for samsara_native.');
    return 1;
  }
  const dest = path.join(dir, 'index.node');
  // A temporary name, then a rename: a running process never sees a half-written file.
  fs.copyFileSync(built, `${dest}.tmp`);
  fs.renameSync(`${dest}.tmp`, dest);
  say(`${path.relative(process.cwd(), dest) || dest} built from source`);
  return 0;
}

function main() {
  if (process.env.SAMSARA_SKIP_NATIVE_BUILD === '1') {
    say('skipped (SAMSARA_SKIP_NATIVE_BUILD=1)');
    return 0;
  }
  if (process.argv.includes('--from-source')) return buildFromSource(null);
  const why = usePrebuilt();
  return why === null ? 0 : buildFromSource(why);
}

process.exitCode = main();
