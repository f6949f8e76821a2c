#!/usr/bin/env node
// Proves the prebuilt path (docs/prebuilt-binaries.md): packs this platform's package from the addon built
// here, clones the repository afresh, hides cargo and rustc from PATH, runs `npm ci` there with
// SAMSARA_PREBUILT_DIR pointing at the packed tarball, and runs the node:test suites on the prebuilt.
//   node scripts/prebuilt-install.js [--keep]      (.ci/run runs it; it tests the committed tree)
// Fails when the install builds anything, takes a minute or more, or a suite fails.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const INSTALL_LIMIT_S = 60;
const say = (line) => console.log(`prebuilt-install: ${line}`);

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`prebuilt-install: FAILED: ${cmd} ${args.join(' ')} (${r.error ? r.error.message : `exit ${r.status}`})`);
    process.exit(1);
  }
  return r;
}

/** PATH without the folders that hold cargo or rustc (rustup's ~/.cargo/bin here). */
function pathWithoutRust(env) {
  const keep = (env.PATH || '').split(path.delimiter).filter((d) =>
    !['cargo', 'rustc', 'cargo.exe', 'rustc.exe'].some((exe) => fs.existsSync(path.join(d, exe))));
  return keep.join(path.delimiter);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-prebuilt-'));
// Readable by others, as a clone's folder usually is: the reliability suite runs a child as `nobody`.
fs.chmodSync(work, 0o755);
const keep = process.argv.includes('--keep');
process.on('exit', () => (keep ? say(`kept ${work}`) : fs.rmSync(work, { recursive: true, force: true })));

// 1. The platform package, packed from the addon this checkout built (what the release workflow publishes).
const packed = path.join(work, 'packages');
const pack = spawnSync(process.execPath, [path.join(root, 'scripts', 'pack-platform.js'), '--out', packed], { encoding: 'utf8' });
if (pack.status !== 0) {
  console.error(pack.stderr);
  process.exit(1);
}
const tarball = pack.stdout.trim().split('\n').pop();
say(`packed ${path.basename(tarball)} (${(fs.statSync(tarball).size / 1e6).toFixed(1)} MB)`);

// 2. A fresh clone, its models linked from this checkout (the install's model download is not under test).
const clone = path.join(work, 'samsara');
run('git', ['clone', '--quiet', root, clone]);
for (const f of fs.readdirSync(path.join(root, 'models')).filter((f) => f.endsWith('.gguf'))) {
  fs.symlinkSync(path.join(root, 'models', f), path.join(clone, 'models', f));
}
// The evaluation's peer, Harper alone, is a Rust program (native/examples/harper_default.rs), not part of
// the addon: built here (cargo skips it when it is up to date) and copied in, as a tool is installed.
const harper = path.join('target', 'release', 'examples', process.platform === 'win32' ? 'harper_default.exe' : 'harper_default');
run('cargo', ['build', '--release', '--quiet', '--example', 'harper_default'], { cwd: root });
fs.mkdirSync(path.dirname(path.join(clone, harper)), { recursive: true });
fs.copyFileSync(path.join(root, harper), path.join(clone, harper));

// 3. No Rust: cargo and rustc are off PATH, and the clone must not find them.
const env = { ...process.env, PATH: pathWithoutRust(process.env), SAMSARA_PREBUILT_DIR: packed, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
delete env.CARGO;
delete env.RUSTC;
delete env.SAMSARA_NATIVE_PATH;
if (spawnSync('cargo', ['--version'], { env, stdio: 'ignore' }).status === 0) {
  console.error('prebuilt-install: FAILED: cargo is still on PATH');
  process.exit(1);
}

// 4. npm ci against the packed tarball, timed.
const t0 = Date.now();
run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, env, shell: process.platform === 'win32' });
const installS = (Date.now() - t0) / 1000;
if (fs.existsSync(path.join(clone, 'native', 'index.node'))) {
  console.error('prebuilt-install: FAILED: the install built native/index.node instead of using the prebuilt');
  process.exit(1);
}
const which = spawnSync(process.execPath, ['-e', "process.stdout.write(require('samsara-native').ADDON.from)"], { cwd: clone, env, encoding: 'utf8' });
if (which.status !== 0 || !which.stdout.startsWith('@samsara/')) {
  console.error(`prebuilt-install: FAILED: samsara-native did not load the platform package (${which.stdout || which.stderr})`);
  process.exit(1);
}
say(`npm ci took ${installS.toFixed(1)} s with no Rust; samsara-native loads ${which.stdout}`);
if (installS >= INSTALL_LIMIT_S) {
  console.error(`prebuilt-install: FAILED: the install took ${installS.toFixed(1)} s (limit ${INSTALL_LIMIT_S} s)`);
  process.exit(1);
}

// 5. Every node:test suite, on the prebuilt (run-tests builds nothing without cargo).
run(process.execPath, ['scripts/run-tests.js', '--only', 'node'], { cwd: clone, env });
say(`passed: install ${installS.toFixed(1)} s, node suites on ${which.stdout}`);
