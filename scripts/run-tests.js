#!/usr/bin/env node
// `npm test`: every check, in order, stopping at the first failure. Tiers (docs/testing.md):
//   --only fast     the inner loop, no model, < 1 min: build the app, tsc, the node suites in FAST
//                   (uses the addon as built: run `npm run build:native` after Rust changes)
//   --only rust     rustfmt, clippy, the Rust tests (native/src unit tests and native/tests/)
//   --only node     build the addon and the app, tsc, every node:test suite (fast ones, then the
//                   ones that need a model)
//   --only e2e      build the addon and the app, the Chromium end-to-end tests
// Plain CommonJS on purpose, like every scripts/*.js: it runs with bare `node`, before anything is
// installed or built (the rule for scripts/ is in docs/testing.md).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { absent } = require('./lib/models');

const root = path.resolve(__dirname, '..');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const GROUPS = ['fast', 'rust', 'node', 'e2e'];
if (only && !GROUPS.includes(only)) {
  console.error(`run-tests: --only takes one of ${GROUPS.join(', ')}`);
  process.exit(2);
}

/** Where the node:test suites live (tests/addon: the addon's JS API; the Rust tests are native/tests/). */
const NODE_DIRS = ['tests/contract', 'tests/addon', 'tests/service', 'tests/electron', 'tests/models', 'tests/renderer', 'tests/eval', 'tests/reliability', 'tests/provider'];

/**
 * The fast tier: suites that need no model (a folder ending in / means all of its suites). They run
 * with the models hidden (SAMSARA_MODEL and SAMSARA_MODELS_DIR point at an empty folder), so a suite
 * listed here that starts needing a model fails instead of quietly slowing the inner loop down.
 * Everything else in NODE_DIRS needs the default model and runs in `npm test` / `--only node`.
 */
const FAST = [
  'tests/contract/',
  'tests/addon/model-files.test.ts',
  'tests/addon/store-thread.test.ts',
  'tests/addon/validation.test.ts',
  'tests/electron/client.test.ts',
  'tests/electron/export.test.ts',
  'tests/electron/log.test.ts',
  'tests/electron/main-startup.test.ts',
  'tests/electron/packaging.test.ts',
  'tests/electron/provider-settings.test.ts',
  'tests/electron/security.test.ts',
  'tests/electron/startup.test.ts',
  'tests/electron/updates.test.ts',
  'tests/eval/fixtures.test.ts',
  'tests/renderer/',
  'tests/models/engine-switch.test.ts',
  'tests/models/manager.test.ts',
  'tests/service/messages.test.ts',
  'tests/service/models.test.ts',
  'tests/service/provider.test.ts',
  'tests/service/service-stub-engine.test.ts',
];

function hasCargo() {
  return spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status === 0;
}

function testFiles(...dirs) {
  return dirs.flatMap((dir) =>
    fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.test.ts')).sort().map((f) => `${dir}/${f}`),
  );
}

const fastFiles = FAST.flatMap((entry) => {
  if (entry.endsWith('/')) return testFiles(entry.slice(0, -1));
  if (!fs.existsSync(path.join(root, entry))) {
    console.error(`run-tests: ${entry} is listed in FAST but does not exist`);
    process.exit(2);
  }
  return [entry];
});
const modelFiles = testFiles(...NODE_DIRS).filter((f) => !fastFiles.includes(f));

/** An empty folder standing in for models/ in the fast tier. */
function noModels() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-no-models-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return { SAMSARA_MODELS_DIR: dir, SAMSARA_MODEL: path.join(dir, 'no-model.gguf') };
}

// One file at a time: the machine has 2 cores and some tests measure latency.
const nodeTest = (files) => ['--import', 'tsx', '--test', '--test-concurrency=1', ...files];
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const steps = [
  { name: 'rustfmt', groups: ['rust'], cmd: 'cargo', args: ['fmt', '--all', '--', '--check'] },
  { name: 'clippy', groups: ['rust'], cmd: 'cargo', args: ['clippy', '--release', '--all-targets', '--all-features', '--', '-D', 'warnings'] },
  { name: 'rust tests (release)', groups: ['rust'], cmd: 'cargo', args: ['test', '--release', '--all-features'] },
  {
    // The tests of the extra models are #[ignore]d with the reason, so without the models they show as
    // ignored, never as passed.
    name: 'rust tests of the extra models (release, --ignored)',
    groups: ['rust'],
    skip: () => absent('qwen2') || absent('gemma3'),
    cmd: 'cargo',
    args: ['test', '--release', '--all-features', '--', '--ignored'],
  },
  // From source where Rust is at hand (the Rust changes under test); else the prebuilt platform package
  // that `npm install` put in place (scripts/prebuilt-install.js runs the suites that way).
  {
    name: 'build addon',
    groups: ['node', 'e2e'],
    cmd: process.execPath,
    args: ['native/install.js', ...(hasCargo() ? ['--from-source'] : [])],
  },
  // The provider suites' real server; installed once (a few minutes), then only checked.
  { name: "llama.cpp's server for the provider tests", groups: ['node'], cmd: process.execPath, args: ['scripts/llama-server.js'] },
  {
    name: 'addon is built',
    groups: ['fast'],
    check: () => {
      try {
        require(path.join(root, 'native', 'platform.js')).load();
        return null;
      } catch (e) {
        return `no addon loads (${e.message}): run npm run build:native`;
      }
    },
  },
  { name: 'build app (dist/)', groups: ['fast', 'node', 'e2e'], cmd: process.execPath, args: ['scripts/build-app.js'] },
  { name: 'tsc --noEmit (main, preload, tests, scripts)', groups: ['fast', 'node'], cmd: process.execPath, args: [tsc, '--noEmit', '-p', 'tsconfig.json'] },
  { name: 'tsc --noEmit (renderer)', groups: ['fast', 'node'], cmd: process.execPath, args: [tsc, '--noEmit', '-p', 'renderer/tsconfig.json'] },
  { name: 'actionlint (.github/workflows)', groups: ['fast', 'node'], cmd: process.execPath, args: ['scripts/actionlint.js'] },
  {
    name: `node:test suites without a model (${fastFiles.length} files, models hidden)`,
    groups: ['fast', 'node'],
    cmd: process.execPath,
    args: nodeTest(fastFiles),
    env: noModels,
  },
  {
    name: `node:test suites with the model (${modelFiles.length} files: addon, service, electron, models, eval, reliability, provider)`,
    groups: ['node'],
    cmd: process.execPath,
    args: nodeTest(modelFiles),
  },
  { name: 'end-to-end (Chromium)', groups: ['e2e'], cmd: process.execPath, args: nodeTest(testFiles('tests/e2e')) },
];

const t0 = Date.now();
for (const step of steps) {
  if (only && !step.groups.includes(only)) continue;
  if (!only && step.groups.length === 1 && step.groups[0] === 'fast') continue; // `npm test` builds the addon instead
  const skipped = step.skip && step.skip();
  if (skipped) {
    console.log(`\n=== skipped: ${step.name} (${skipped})`);
    continue;
  }
  console.log(`\n=== ${step.name}`);
  const s = Date.now();
  if (step.check) {
    const problem = step.check();
    if (problem) {
      console.error(`\n=== FAILED: ${step.name} (${problem})`);
      process.exit(1);
    }
  } else {
    const env = { ...process.env, ...(step.env ? step.env() : {}) };
    const r = spawnSync(step.cmd, step.args, { cwd: root, stdio: 'inherit', env });
    if (r.status !== 0) {
      console.error(`\n=== FAILED: ${step.name} (${r.error ? r.error.message : `exit ${r.status}`})`);
      process.exit(r.status || 1);
    }
  }
  console.log(`=== ok: ${step.name} (${((Date.now() - s) / 1000).toFixed(1)} s)`);
}
console.log(`\n${only ? `--only ${only}: checks` : 'all checks'} passed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
