// scripts/release-manifest.js (release.yml runs it before publishing samsara-native), on a temporary copy
// of native/package.json and Cargo.lock: every platform package becomes an optional dependency at
// samsara-native's version, and the lock file and the build flags go into the package. (That
// neon.platforms, the native/platforms/* folders and their versions agree: platform-packages.test.ts.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'release-manifest.js');

interface NativeManifest {
  name: string;
  version: string;
  files: string[];
  neon: { org: string; platforms: Record<string, string> };
  optionalDependencies?: Record<string, string>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const committed = readJson<NativeManifest>(path.join(ROOT, 'native', 'package.json'));

/** A checkout holding only what the script reads: native/package.json, Cargo.lock, .cargo/config.toml. */
function tempCheckout(t: TestContext): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'samsara-release-manifest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'native'));
  copyFileSync(path.join(ROOT, 'native', 'package.json'), path.join(dir, 'native', 'package.json'));
  copyFileSync(path.join(ROOT, 'Cargo.lock'), path.join(dir, 'Cargo.lock'));
  mkdirSync(path.join(dir, '.cargo'));
  copyFileSync(path.join(ROOT, '.cargo', 'config.toml'), path.join(dir, '.cargo', 'config.toml'));
  return dir;
}

const runScript = (root: string) => spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });

test('release-manifest writes the optional dependencies and ships Cargo.lock, only in the copy', (t) => {
  const dir = tempCheckout(t);
  // Twice: a re-run release job changes nothing more.
  for (const run of [1, 2]) {
    const r = runScript(dir);
    assert.equal(r.status, 0, `run ${run}: ${r.stderr}`);
  }
  const written = readJson<NativeManifest>(path.join(dir, 'native', 'package.json'));
  const expected = Object.fromEntries(Object.keys(committed.neon.platforms).map((p) => [`${committed.neon.org}/${p}`, committed.version]));
  assert.deepEqual(written.optionalDependencies, expected);
  assert.deepEqual(written.files, [...committed.files, 'Cargo.lock', '.cargo/config.toml']);
  assert.deepEqual({ ...written, optionalDependencies: undefined, files: committed.files }, { ...committed, optionalDependencies: undefined });
  assert.ok(readFileSync(path.join(dir, 'native', 'Cargo.lock')).equals(readFileSync(path.join(ROOT, 'Cargo.lock'))));
  assert.ok(readFileSync(path.join(dir, 'native', '.cargo', 'config.toml')).equals(readFileSync(path.join(ROOT, '.cargo', 'config.toml'))));
  // The committed manifest stays installable by `npm ci`: no dependency on unpublished packages.
  assert.equal(committed.optionalDependencies, undefined);
});

test('release-manifest refuses a manifest without platforms or a "files" list', (t) => {
  for (const drop of ['neon', 'files'] as const) {
    const dir = tempCheckout(t);
    const file = path.join(dir, 'native', 'package.json');
    const pkg: Partial<NativeManifest> = readJson<NativeManifest>(file);
    delete pkg[drop];
    writeFileSync(file, JSON.stringify(pkg));
    const r = runScript(dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, drop === 'neon' ? /lists no neon\.platforms/ : /has no "files" list/);
  }
});
