// Faults while the app runs (tests/reliability/faults.ts): model file and history store.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { runModelFaults, runStoreFaults } from './faults';

after(() => native.shutdown());

test('model file deleted, truncated, replaced, or with absurd header values: ENGINE_DOWN, no huge allocation, recovery', async () => {
  const r = await runModelFaults();
  assert.ok(r.length >= 10);
  assert.deepEqual(r.filter((f) => !f.survived).map((f) => `${f.name}: ${f.detail}`), []);
});

test('store read-only, corrupt, or out of disk space: answers still come, the store says degraded, no committed row lost', async () => {
  const r = await runStoreFaults();
  assert.deepEqual(r.filter((f) => !f.survived).map((f) => `${f.name}: ${f.detail}`), []);
  const full = r.find((f) => f.name.startsWith('disk full'));
  assert.equal(full?.rowsLost, 0);
});
