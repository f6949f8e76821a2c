// The prebuilt platform packages (docs/prebuilt-binaries.md): one list of platforms, manifests that npm
// filters by os/cpu/libc, the loader's order and its reasons, and the install step's message when no
// prebuilt fits and Rust is missing. The whole install on a packed prebuilt is scripts/prebuilt-install.js.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');
const NATIVE = path.join(ROOT, 'native');
const platform = require(path.join(NATIVE, 'platform.js')) as {
  PLATFORMS: readonly string[];
  currentPlatform(platform?: string, arch?: string, glibc?: boolean): string;
  packageName(p: string): string;
  load(dir?: string, env?: NodeJS.ProcessEnv): { from: string; file: string };
};
const nativePkg = JSON.parse(fs.readFileSync(path.join(NATIVE, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
  scripts: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-platforms-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

test('native/package.json neon.platforms is the list, and native/platforms/ has one package per entry', () => {
  assert.deepEqual([...platform.PLATFORMS].sort(), ['darwin-arm64', 'darwin-x64', 'linux-x64-gnu', 'win32-x64-msvc']);
  assert.deepEqual(fs.readdirSync(path.join(NATIVE, 'platforms')).sort(), [...platform.PLATFORMS].sort());
  const expected: Record<string, { os: string; cpu: string; libc?: string }> = {
    'linux-x64-gnu': { os: 'linux', cpu: 'x64', libc: 'glibc' },
    'win32-x64-msvc': { os: 'win32', cpu: 'x64' },
    'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
    'darwin-x64': { os: 'darwin', cpu: 'x64' },
  };
  for (const p of platform.PLATFORMS) {
    const pkg = JSON.parse(fs.readFileSync(path.join(NATIVE, 'platforms', p, 'package.json'), 'utf8'));
    assert.equal(pkg.name, platform.packageName(p));
    assert.equal(pkg.name, `@samsara/${p}`);
    assert.equal(pkg.version, nativePkg.version, `${p} is versioned with samsara-native`);
    assert.equal(pkg.main, 'index.node');
    assert.deepEqual(pkg.files, ['index.node'], 'the addon only: never model weights');
    const want = expected[p];
    assert.ok(want, p);
    assert.deepEqual(pkg.os, [want.os]);
    assert.deepEqual(pkg.cpu, [want.cpu]);
    assert.deepEqual(pkg.libc, want.libc ? [want.libc] : undefined);
  }
  // Written at release time (scripts/release-manifest.js): npm ci here can't lock unpublished packages.
  assert.equal(nativePkg.optionalDependencies, undefined);
  assert.equal(nativePkg.scripts.install, 'node install.js');
  for (const f of ['index.js', 'index.d.ts', 'platform.js', 'install.js']) assert.ok(nativePkg.files.includes(f), f);
});

test("the platform names are Neon's", () => {
  assert.equal(platform.currentPlatform('linux', 'x64', true), 'linux-x64-gnu');
  assert.equal(platform.currentPlatform('linux', 'x64', false), 'linux-x64-musl');
  assert.equal(platform.currentPlatform('linux', 'arm64', true), 'linux-arm64-gnu');
  assert.equal(platform.currentPlatform('win32', 'x64'), 'win32-x64-msvc');
  assert.equal(platform.currentPlatform('darwin', 'arm64'), 'darwin-arm64');
  assert.equal(platform.currentPlatform('darwin', 'x64'), 'darwin-x64');
});

test('the loader says what it tried when no addon loads', () => {
  const empty = fs.mkdtempSync(path.join(work, 'empty-'));
  const here = platform.currentPlatform();
  assert.throws(() => platform.load(empty, {}), (e: Error) => e.message.includes(`@samsara/${here}`) && /not installed|no prebuilt/.test(e.message));
  const bad = path.join(empty, 'broken.node');
  fs.writeFileSync(bad, 'not a library');
  assert.throws(() => platform.load(empty, { SAMSARA_NATIVE_PATH: bad }), (e: Error) => e.message.includes('$SAMSARA_NATIVE_PATH') && e.message.includes('did not load'));
});

test('a platform package of another version is not used, one of the same version is', (t) => {
  // The addon this checkout loads: the build from source, or the platform package npm installed.
  let built: string;
  try {
    built = platform.load().file;
  } catch (e) {
    return t.skip(`no addon loads: ${(e as Error).message}`);
  }
  const here = platform.currentPlatform();
  if (!platform.PLATFORMS.includes(here)) return t.skip(`no platform package for ${here}`);
  const dir = fs.mkdtempSync(path.join(work, 'installed-'));
  const pkgDir = path.join(dir, 'node_modules', '@samsara', here);
  fs.mkdirSync(pkgDir, { recursive: true });
  fs.copyFileSync(built, path.join(pkgDir, 'index.node'));
  fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ name: `@samsara/${here}`, version: '0.0.1', main: 'index.node' }));
  assert.throws(() => platform.load(dir, {}), /@samsara\/\S+@0\.0\.1 is installed but samsara-native is/);
  fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ name: `@samsara/${here}`, version: nativePkg.version, main: 'index.node' }));
  const loaded = platform.load(dir, {});
  assert.equal(loaded.from, `@samsara/${here}@${nativePkg.version}`);
  assert.equal(loaded.file, path.join(pkgDir, 'index.node'));
});

test('without a prebuilt and without Rust, install says why and that Rust is needed', () => {
  const pkg = fs.mkdtempSync(path.join(work, 'pkg-'));
  for (const f of ['install.js', 'platform.js', 'package.json']) fs.copyFileSync(path.join(NATIVE, f), path.join(pkg, f));
  const noRust = (process.env.PATH ?? '').split(path.delimiter)
    .filter((d) => !fs.existsSync(path.join(d, 'cargo')) && !fs.existsSync(path.join(d, 'cargo.exe'))).join(path.delimiter);
  const env = { ...process.env, PATH: noRust, SAMSARA_PREBUILT_DIR: path.join(work, 'no-such-folder') };
  const r = spawnSync(process.execPath, [path.join(pkg, 'install.js')], { cwd: pkg, env, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /no prebuilt binary \(SAMSARA_PREBUILT_DIR .* has neither samsara-\S+\.tgz nor/);
  assert.match(r.stderr, /building from source needs Rust.*https:\/\/rustup\.rs/);
  assert.ok(!fs.existsSync(path.join(pkg, 'index.node')));
});
