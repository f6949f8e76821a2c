// Installers can't be built here (electron-builder downloads Electron), so this checks what can be
// checked: the config passes electron-builder's own schema, targets nsis and dmg, and packs the right
// files. For that last part it packs a Linux `dir` build with a stand-in Electron binary and reads the
// resulting app.asar: the same files/asarUnpack/extraResources rules the Windows and macOS targets use.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { defaultModelFile, nativeEntry, resolveModelPath } from '../../electron/paths';

const ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_MODEL_FILE = defaultModelFile(path.join(ROOT, 'models', 'manifest.json'));
const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'electron-builder.json'), 'utf8')) as Record<string, unknown>;
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
};

test('model path: the manifest\'s default in models/ (development, or $SAMSARA_MODEL) or resources/models/ (packaged)', () => {
  const at = { env: {}, isPackaged: false, resourcesPath: '/opt/Samsara/resources', appPath: '/src/samsara' };
  const read: string[] = [];
  const fromManifest = (file: string) => (read.push(file), DEFAULT_MODEL_FILE);
  assert.equal(resolveModelPath(at, fromManifest), path.join('/src/samsara/models', DEFAULT_MODEL_FILE));
  assert.equal(resolveModelPath({ ...at, isPackaged: true }, fromManifest), path.join('/opt/Samsara/resources/models', DEFAULT_MODEL_FILE));
  assert.deepEqual(read, [path.join('/src/samsara/models/manifest.json'), path.join('/opt/Samsara/resources/models/manifest.json')]);
  assert.equal(resolveModelPath({ ...at, env: { SAMSARA_MODEL: '/data/m.gguf' } }, fromManifest), '/data/m.gguf');
  assert.equal(
    resolveModelPath({ ...at, isPackaged: true, env: { SAMSARA_MODEL: '/data/m.gguf' } }, fromManifest),
    path.join('/opt/Samsara/resources/models', DEFAULT_MODEL_FILE),
    'a packaged app ignores $SAMSARA_MODEL',
  );
  assert.equal(resolveModelPath({ ...at, env: { SAMSARA_MODEL: '  ' } }, fromManifest), path.join('/src/samsara/models', DEFAULT_MODEL_FILE));
  assert.equal(nativeEntry({ ...at, isPackaged: true, appPath: '/opt/Samsara/resources/app.asar' }), '/opt/Samsara/resources/app.asar/native/index.js');
  // The packaged app reads the manifest beside the model, so both are copied to resources/models.
  const copied = (config.extraResources as Array<{ from: string; to: string }>).map((r) => [r.from, r.to]);
  assert.deepEqual(copied.sort(), [
    ['models/manifest.json', 'models/manifest.json'],
    [`models/${DEFAULT_MODEL_FILE}`, `models/${DEFAULT_MODEL_FILE}`],
  ].sort());
});

test('electron-builder config passes its schema and targets nsis (Windows) and dmg + zip (macOS), with fuses and the GitHub feed', async () => {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    validateConfiguration(c: unknown, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util/out/DebugLogger') as { DebugLogger: new (on: boolean) => unknown };
  const { $schema: _schema, ...c } = config;
  await validateConfiguration(c, new DebugLogger(false));
  await assert.rejects(validateConfiguration({ ...c, asarUnpak: [] }, new DebugLogger(false)), /asarUnpak/, 'the check can fail');
  assert.deepEqual((config.win as { target: string[] }).target, ['nsis']);
  // The zip is what electron-updater installs on macOS; the dmg is for people.
  assert.deepEqual((config.mac as { target: string[] }).target, ['dmg', 'zip']);
  assert.equal(config.asar, true);
  assert.deepEqual(config.asarUnpack, ['native/*.node']);
  const fuses = config.electronFuses as Record<string, boolean>;
  assert.equal(fuses.runAsNode, false);
  // Asar integrity: the app loads only from app.asar, and Electron checks it against the hash embedded
  // at build time (electron-builder 26 writes it when this fuse is on).
  assert.equal(fuses.onlyLoadAppFromAsar, true);
  assert.equal(fuses.enableEmbeddedAsarIntegrityValidation, true);
  // Flipping fuses breaks an unsigned arm64 app's ad-hoc signature (it would not start): signed again.
  assert.equal(fuses.resetAdHocDarwinSignature, true);
  // The updater's feed: electron-builder writes app-update.yml from this, and the GitHub release holds
  // latest.yml / latest-mac.yml (the release workflow sets the two variables).
  assert.deepEqual(config.publish, { provider: 'github', owner: '${env.RELEASE_GH_OWNER}', repo: '${env.RELEASE_GH_REPO}' });
  assert.equal(pkg.main, 'dist/electron/main.js');
  assert.match(pkg.scripts.start ?? '', /electron \./);
  for (const s of ['dist', 'dist:win', 'dist:mac']) assert.match(pkg.scripts[s] ?? '', /node scripts\/dist\.js/);
  assert.ok(pkg.devDependencies.electron && !pkg.dependencies?.electron, 'electron is a devDependency (electron-builder requires it)');
});

test("npm run dist names the update feed from the variables or a github.com origin (scripts/dist.js)", () => {
  const { githubRepo } = require('../../scripts/dist.js') as { githubRepo: (url: string) => { owner: string; repo: string } | null };
  assert.deepEqual(githubRepo('https://github.com/acme/samsara.git\n'), { owner: 'acme', repo: 'samsara' });
  assert.deepEqual(githubRepo('git@github.com:acme/samsara.git'), { owner: 'acme', repo: 'samsara' });
  assert.deepEqual(githubRepo('https://github.com/acme/samsara'), { owner: 'acme', repo: 'samsara' });
  assert.equal(githubRepo('https://gitlab.com/acme/samsara.git'), null);
  assert.equal(githubRepo('/work/main'), null);
});

/** The file list of an asar archive: a pickled JSON header after a 16-byte prefix. */
function asarFiles(file: string): Map<string, { size: number; unpacked: boolean }> {
  const buf = fs.readFileSync(file);
  const header = JSON.parse(buf.subarray(16, 16 + buf.readUInt32LE(12)).toString('utf8')) as Entry;
  type Entry = { files?: Record<string, Entry>; size?: number; unpacked?: boolean };
  const out = new Map<string, { size: number; unpacked: boolean }>();
  const walk = (e: Entry, at: string) => {
    for (const [name, child] of Object.entries(e.files ?? {})) {
      if (child.files) walk(child, `${at}${name}/`);
      else out.set(`${at}${name}`, { size: child.size ?? 0, unpacked: child.unpacked === true });
    }
  };
  walk(header, '');
  return out;
}

test('a packed app holds the built app and the addon, with the .node unpacked and the model in resources', (t) => {
  for (const need of ['dist/electron/main.js', 'native/index.node', `models/${DEFAULT_MODEL_FILE}`]) {
    if (!fs.existsSync(path.join(ROOT, need))) return t.skip(`${need} is missing: run npm install && npm run build`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-pack-'));
  try {
    const electronDist = path.join(work, 'electron');
    fs.mkdirSync(electronDist);
    fs.writeFileSync(path.join(electronDist, 'electron'), '#!/bin/sh\n', { mode: 0o755 });
    // Fuses are flipped in a real Electron binary only; everything else is the project's config.
    const { electronFuses: _fuses, $schema: _schema, ...rest } = config;
    const testConfig = { ...rest, electronDist, electronVersion: pkg.devDependencies.electron, directories: { output: path.join(work, 'out') } };
    fs.writeFileSync(path.join(work, 'config.json'), JSON.stringify(testConfig));
    const cli = path.join(ROOT, 'node_modules', 'electron-builder', 'cli.js');
    const r = spawnSync(process.execPath, [cli, '--linux', 'dir', '--x64', '--config', path.join(work, 'config.json')], {
      cwd: ROOT,
      encoding: 'utf8',
      // The update feed's repository, as the release workflow (or scripts/dist.js) gives it.
      env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', RELEASE_GH_OWNER: 'samsara-test', RELEASE_GH_REPO: 'samsara-app' },
    });
    assert.equal(r.status, 0, `electron-builder failed:\n${r.stdout}\n${r.stderr}`);
    const resources = path.join(work, 'out', 'linux-unpacked', 'resources');
    const files = asarFiles(path.join(resources, 'app.asar'));
    for (const f of ['package.json', 'dist/electron/main.js', 'dist/preload/preload.js', 'dist/renderer/index.html', 'dist/renderer/app.js', 'dist/renderer/styles.css', 'native/index.js', 'native/platform.js', 'native/package.json']) {
      assert.ok(files.has(f), `app.asar has ${f}`);
      assert.equal(files.get(f)?.unpacked, false);
    }
    assert.equal(files.get('native/index.node')?.unpacked, true, 'the addon is unpacked from the asar');
    assert.ok(fs.existsSync(path.join(resources, 'app.asar.unpacked', 'native', 'index.node')));
    const names = [...files.keys()];
    assert.deepEqual(names.filter((n) => /node_modules|\.map$|^tests\/|^native\/src|\.ts$|harness/.test(n)), [], 'no sources, maps, tests or node_modules');
    // The feed electron-updater reads in the installed app (electron/main.ts checks it is there).
    const feed = fs.readFileSync(path.join(resources, 'app-update.yml'), 'utf8');
    assert.match(feed, /^owner: samsara-test$/m);
    assert.match(feed, /^repo: samsara-app$/m);
    assert.match(feed, /^provider: github$/m);
    const model = path.join(resources, 'models', DEFAULT_MODEL_FILE);
    assert.equal(fs.statSync(model).size, fs.statSync(path.join(ROOT, 'models', DEFAULT_MODEL_FILE)).size, 'the default model is in resources/models');
    assert.equal(defaultModelFile(path.join(resources, 'models', 'manifest.json')), DEFAULT_MODEL_FILE, 'and the manifest that names it');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
