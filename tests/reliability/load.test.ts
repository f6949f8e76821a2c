// 100 concurrent requests against one engine (tests/reliability/load.ts).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { runLoad } from './load';

after(() => native.shutdown());

test('a burst of 100 requests: each answered or ENGINE_BUSY, health < 5 ms throughout, memory comes back', async () => {
  const r = await runLoad();
  assert.deepEqual(r.other, [], 'only answers and ENGINE_BUSY');
  assert.equal(r.served + r.refusedBusy, r.requests);
  assert.ok(r.refusedBusy > 0 && r.served >= 50, `served ${r.served}, refused ${r.refusedBusy}`);
  assert.ok(r.healthSamples >= 500, `${r.healthSamples} health samples`);
  assert.ok(r.healthMaxMs < 5, `healthCheck max ${r.healthMaxMs.toFixed(2)} ms`);
  assert.ok(r.rssAfterMb <= r.rssBeforeMb * 1.1, `RSS ${r.rssBeforeMb.toFixed(0)} MB before, ${r.rssAfterMb.toFixed(0)} MB after`);
});
