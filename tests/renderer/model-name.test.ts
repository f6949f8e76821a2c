// The status pill names the model as a student can read it, from healthCheck's report.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HealthReport, ModelInfo } from '../../preload/api';
import { friendlyModelName, friendlyQuantization, modelDetails, modelName, statusText } from '../../renderer/model-name';

test('the bundled and extra models get readable names', () => {
  // SmolLM2's GGUF name is its training run's; the file name has the capitals.
  assert.equal(
    friendlyModelName({ name: 'Smollm2 135M 8k Lc100K Mix1 Ep2', path: '/app/models/SmolLM2-135M-Instruct.Q4_1.gguf', quantization: 'Q4_1' }),
    'SmolLM2 135M, Q4_1',
  );
  assert.equal(
    friendlyModelName({ name: 'Qwen2.5 Coder 0.5B Instruct AWQ', path: 'C:\\models\\qwen2.5-coder-0.5b-instruct-q4_k_m.gguf', quantization: 'Q4K' }),
    'Qwen2.5 Coder 0.5B, Q4_K',
  );
  assert.equal(friendlyModelName({ name: 'Gemma 3 270m', path: 'models/gemma-3-270m-q4_k_m.gguf', quantization: 'Q8_0' }), 'Gemma 3 270M, Q8_0');
  // Only a file, only a name, nothing.
  assert.equal(modelName({ path: '/x/TinyLlama-1.1B-Chat-v1.0.Q4_0.gguf' }), 'TinyLlama 1.1B');
  assert.equal(modelName({ name: 'My Model' }), 'My Model');
  assert.equal(friendlyModelName({}), 'the model');
  assert.equal(friendlyQuantization('F16'), 'F16');
  assert.equal(friendlyQuantization(undefined), '');
});

const report = (model: ModelInfo): HealthReport =>
  ({
    status: 'ok', version: '0', timestamp: '', uptimeMs: 0, model, queue: { running: 0, waiting: 0, capacity: 16 },
    store: { status: 'ok' }, threads: 2, kernels: 'avx2', modelLoads: 1,
  }) as unknown as HealthReport;

test('the pill says the state in words; the details name file, architecture, context, kernels, threads', () => {
  const ready = report({ state: 'ready', name: 'Smollm2 135M 8k', path: '/m/SmolLM2-135M-Instruct.Q4_1.gguf', quantization: 'Q4_1', architecture: 'llama', contextLength: 8192 });
  assert.equal(statusText(ready), 'Model ready: SmolLM2 135M, Q4_1');
  assert.equal(statusText(report({ state: 'loading', loadProgress: 0.4 })), 'Model loading, 40\u00a0%');
  assert.equal(statusText(report({ state: 'failed', error: 'not found' })), 'Model failed to load');
  assert.match(statusText(report({ state: 'unloaded' })), /^Model not loaded yet/);
  assert.deepEqual(modelDetails(ready), [
    ['Model', 'SmolLM2 135M, Q4_1'],
    ['File', '/m/SmolLM2-135M-Instruct.Q4_1.gguf'],
    ['Architecture', 'llama'],
    ['Context', '8,192 tokens'],
    ['Kernels', 'AVX2'],
    ['Threads', '2'],
  ]);
  assert.deepEqual(modelDetails(report({ state: 'failed', error: 'file not found' }))[0], ['Problem', 'file not found']);
});
