#!/usr/bin/env node
// `npm test`: every check, in order, stopping at the first failure.
//   --only rust | node | e2e    just that group (node and e2e build the addon and the app first)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;

function testFiles(...dirs) {
  return dirs.flatMap((dir) =>
    fs.readdirSync(path.join(root, dir)).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(dir, f)),
  );
}

// One file at a time: the machine has 2 cores and some tests measure latency.
const nodeTest = (...dirs) => ['--import', 'tsx', '--test', '--test-concurrency=1', ...testFiles(...dirs)];
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const steps = [
  { name: 'rustfmt', groups: ['rust'], cmd: 'cargo', args: ['fmt', '--all', '--', '--check'] },
  { name: 'clippy', groups: ['rust'], cmd: 'cargo', args: ['clippy', '--release', '--all-targets', '--', '-D', 'warnings'] },
  { name: 'rust tests (release)', groups: ['rust'], cmd: 'cargo', args: ['test', '--release'] },
  { name: 'build addon', groups: ['node', 'e2e'], cmd: process.execPath, args: ['scripts/build-native.js'] },
  { name: 'build app (dist/)', groups: ['node', 'e2e'], cmd: process.execPath, args: ['scripts/build-app.js'] },
  { name: 'tsc --noEmit (main, preload, tests)', groups: ['node'], cmd: process.execPath, args: [tsc, '--noEmit', '-p', 'tsconfig.json'] },
  { name: 'tsc --noEmit (renderer)', groups: ['node'], cmd: process.execPath, args: [tsc, '--noEmit', '-p', 'renderer/tsconfig.json'] },
  {
    name: 'node:test suites (native, service, electron, renderer, eval, reliability)',
    groups: ['node'],
    cmd: process.execPath,
    args: nodeTest('tests/native', 'tests/service', 'tests/electron', 'tests/renderer', 'tests/eval', 'tests/reliability'),
  },
  { name: 'end-to-end (Chromium)', groups: ['e2e'], cmd: process.execPath, args: nodeTest('tests/e2e') },
];

const t0 = Date.now();
for (const step of steps) {
  if (only && !step.groups.includes(only)) continue;
  console.log(`\n=== ${step.name}`);
  const s = Date.now();
  const r = spawnSync(step.cmd, step.args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\n=== FAILED: ${step.name} (${r.error ? r.error.message : `exit ${r.status}`})`);
    process.exit(r.status || 1);
  }
  console.log(`=== ok: ${step.name} (${((Date.now() - s) / 1000).toFixed(1)} s)`);
}
console.log(`\nall checks passed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
