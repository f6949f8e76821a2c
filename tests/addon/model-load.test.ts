// Model loading with the real default model: a truncated copy of it is ENGINE_DOWN naming the file,
// pointing to the good file then works, and loadModel() retries a failed load once the file is fixed.
// (Made-up bad files, which need no model: model-files.test.ts.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { SMOLLM2, rejectsWith } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-model-load-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a truncated model is ENGINE_DOWN naming the file, and a good file then works', async () => {
  const file = path.join(dir, 'truncated.gguf');
  const fd = fs.openSync(SMOLLM2, 'r');
  const buf = Buffer.alloc(20_000_000);
  fs.readSync(fd, buf, 0, buf.length, 0);
  fs.closeSync(fd);
  fs.writeFileSync(file, buf);
  native.configure({ modelPath: file });
  const err = await rejectsWith(native.complete({ prompt: 'Hello', maxTokens: 2 }), 'ENGINE_DOWN', file);
  assert.ok(err.message.includes('truncated'), `"${err.message}" says truncated`);
  assert.equal((await native.healthCheck()).status, 'down');

  native.configure({ modelPath: SMOLLM2 });
  const r = await native.complete({ prompt: 'The capital of France is', maxTokens: 4, temperature: 0 });
  assert.ok(r.text.length > 0);
  const h = await native.healthCheck();
  assert.equal(h.status, 'ok');
  assert.equal(h.model.state, 'ready');
});

test('loadModel() retries a failed load once the file is fixed', async () => {
  const file = path.join(dir, 'later.gguf');
  native.configure({ modelPath: file });
  await rejectsWith(native.loadModel(), 'ENGINE_DOWN', file);
  fs.copyFileSync(SMOLLM2, file);
  const info = await native.loadModel();
  assert.equal(info.state, 'ready');
  assert.equal(info.architecture, 'llama');
});
