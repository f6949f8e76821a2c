#!/usr/bin/env node
// `npm test`: every check, in order, stopping at the first failure.
//   --only node    just the node:test suites (after building the addon)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;

function testFiles(dir) {
  const abs = path.join(root, dir);
  return fs.readdirSync(abs).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(dir, f));
}

const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const steps = [
  { name: 'rustfmt', group: 'rust', cmd: 'cargo', args: ['fmt', '--all', '--', '--check'] },
  { name: 'clippy', group: 'rust', cmd: 'cargo', args: ['clippy', '--release', '--all-targets', '--', '-D', 'warnings'] },
  { name: 'rust tests (release)', group: 'rust', cmd: 'cargo', args: ['test', '--release'] },
  { name: 'build addon', group: 'node', cmd: process.execPath, args: ['scripts/build-native.js'] },
  { name: 'tsc --noEmit', group: 'node', cmd: process.execPath, args: [tsc, '--noEmit'] },
  {
    name: 'node:test suites',
    group: 'node',
    cmd: process.execPath,
    // One file at a time: the machine has 2 cores and some tests measure latency.
    args: ['--import', 'tsx', '--test', '--test-concurrency=1', ...testFiles('tests/native')],
  },
];

const t0 = Date.now();
for (const step of steps) {
  if (only && step.group !== only) continue;
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
