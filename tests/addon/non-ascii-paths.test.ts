// Paths as students' computers have them: a home folder named "Zoë Martín", spaces, and letters
// outside ASCII in the profile folder, the models folder, the model's file name and the history file.
// The model manager copies a model in from such a folder, the engine loads it and reads its tokenizer
// from there, an assessment goes into a history file there, and a new process finds it again.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { appModelManager } from '../../electron/models/setup';
import { userModelsDir } from '../../electron/paths';
import { ESSAY, MODELS, ROOT, SMOLLM2 } from './helpers';

const home = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-paths-')), 'Zoë Martín');
const userData = path.join(home, 'Application Support', 'Samsara — ünïcode');
after(async () => {
  await native.shutdown();
  fs.rmSync(path.dirname(home), { recursive: true, force: true });
});

test('a profile under "Zoë Martín": a model added from there loads, and its history is saved there and found again', async () => {
  const downloads = path.join(home, 'Téléchargements');
  fs.mkdirSync(downloads, { recursive: true });
  const source = path.join(downloads, 'SmolLM2 für Zoë.gguf');
  fs.copyFileSync(SMOLLM2, source);

  const manager = appModelManager({ userModelsDir: userModelsDir(userData), bundledDir: MODELS, env: {}, isPackaged: false });
  const added = await manager.addModelFile(source);
  const modelPath = path.join(userModelsDir(userData), added.file);
  assert.ok(fs.existsSync(modelPath), modelPath);
  assert.equal(added.architecture, 'llama');

  const storePath = path.join(userData, 'historié.db');
  native.configure({ modelPath, storePath });
  // The tokenizer comes from the file's metadata, before the weights load.
  assert.ok(native.tokenize('Hello').length > 0);
  const info = await native.loadModel();
  assert.equal(info.state, 'ready');
  assert.equal(info.path, modelPath);
  const r = await native.assessEssay({ fileId: 'essai-ünïcode', text: ESSAY });
  assert.ok(r.saved, 'saved in the history file');
  assert.ok(r.comments.length > 0);
  const h = await native.healthCheck();
  assert.equal(h.store.path, storePath);
  assert.equal(h.store.persistent, true);

  // A new process (the next start) opens the same file and finds the assessment.
  const script = `
    const native = require(${JSON.stringify(path.join(ROOT, 'native'))});
    native.configure({ modelPath: ${JSON.stringify(modelPath)}, storePath: ${JSON.stringify(storePath)} });
    native.listAssessments('essai-ünïcode').then((a) => { process.stdout.write(JSON.stringify(a.length)); process.exit(0); },
      (e) => { process.stderr.write(String(e)); process.exit(1); });`;
  const again = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout), 1);
});
