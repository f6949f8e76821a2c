// The model files, from models/manifest.json only: scripts, tests, the bench and the oracle generator
// ask here instead of spelling a file name. CommonJS, so plain `node` scripts, ES modules
// (`import models from '…/models.js'`) and TypeScript (scripts/lib/models.d.ts) can all use it.
//
//   modelPath('llama')                           the file of the model whose id or architecture is 'llama'
//   modelPath('qwen2.5-coder-0.5b-instruct-q4_k_m')  … by id
//   defaultModel() / defaultModelPath()          the manifest's "default" (what `npm install` fetches)
//   absent('gemma3')                             a skip reason when the file is missing, else false
//
// $SAMSARA_MODELS_DIR moves the folder (the fast test tier points it at an empty one, so a test that
// needs a model fails there instead of quietly making the inner loop slow).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const MANIFEST = path.join(ROOT, 'models', 'manifest.json');

let cached = null;
function manifest() {
  if (!cached) cached = JSON.parse(fs.readFileSync(MANIFEST, 'utf8'));
  return cached;
}

function modelsDir() {
  const dir = process.env.SAMSARA_MODELS_DIR;
  return dir ? path.resolve(dir) : path.join(ROOT, 'models');
}

function models() {
  return manifest().models;
}

/** The manifest entry whose id is `key`, else the only one whose architecture is `key`. */
function model(key) {
  const all = models();
  const byId = all.find((m) => m.id === key);
  if (byId) return byId;
  const byArch = all.filter((m) => m.architecture === key);
  if (byArch.length === 1) return byArch[0];
  const known = all.map((m) => `${m.id} (${m.architecture})`).join(', ');
  throw new Error(
    byArch.length > 1
      ? `models/manifest.json has ${byArch.length} ${key} models: name one by id (${known})`
      : `no model "${key}" in models/manifest.json (known: ${known})`,
  );
}

function modelPath(key) {
  return path.join(modelsDir(), model(key).file);
}

function defaultModel() {
  return model(manifest().default);
}

function defaultModelPath() {
  return modelPath(manifest().default);
}

/** Why a test or a bench run using this model must be skipped (its file is missing), or false. */
function absent(key) {
  const m = model(key);
  const file = path.join(modelsDir(), m.file);
  if (fs.existsSync(file)) return false;
  const fetch = m.extra ? 'npm run fetch-models:extra' : 'npm run fetch-model';
  const rel = path.relative(process.cwd(), path.dirname(file));
  const where = rel === '' ? '.' : rel.startsWith('..') ? path.dirname(file) : rel;
  return `${m.file} is absent from ${where}/: run \`${fetch}\``;
}

module.exports = { ROOT, MANIFEST, manifest, modelsDir, models, model, modelPath, defaultModel, defaultModelPath, absent };
