// Bad input across the native API and the IPC service (tests/reliability/matrix.ts): every case gets
// its coded error or a correct result, nothing crashes, and the engine answers normally afterwards.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { runMatrix } from './matrix';

after(() => native.shutdown());

test('at least 40 bad inputs, each a coded error or a correct result', async () => {
  const r = await runMatrix();
  assert.ok(r.cases >= 40, `${r.cases} cases`);
  assert.deepEqual(r.failures, []);
  assert.equal(r.passed, r.cases);
  assert.ok((r.byCode.INVALID_REQUEST ?? 0) >= 30 && (r.byCode.ok ?? 0) >= 8, JSON.stringify(r.byCode));
});
