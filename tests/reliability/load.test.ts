// 100 concurrent requests against one engine (tests/reliability/load.ts).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { runLoad } from './load';

after(() => native.shutdown());

test('a burst of 100 requests: each answered or ENGINE_BUSY, health calls < 5 ms throughout, memory comes back', async () => {
  const r = await runLoad();
  assert.deepEqual(r.other, [], 'only answers and ENGINE_BUSY');
  assert.equal(r.served + r.refusedBusy, r.requests);
  assert.ok(r.refusedBusy > 0 && r.served >= 50, `served ${r.served}, refused ${r.refusedBusy}`);
  assert.ok(r.healthSamples >= 500, `${r.healthSamples} health samples`);
  // The engine's answer: every call under 5 ms. End to end (with this thread's event loop, which also
  // runs the burst's callbacks) nearly all are under 1 ms; the rare event-loop stall is bounded
  // loosely (docs/reliability.md, "Load": one ~6 ms stall per run, not yet explained).
  assert.ok(r.healthCallMaxMs < 5, `healthCheck call max ${r.healthCallMaxMs.toFixed(2)} ms, ${JSON.stringify(r.healthOver1Ms)}`);
  assert.ok(r.healthP99Ms < 1, `healthCheck p99 ${r.healthP99Ms.toFixed(2)} ms`);
  assert.ok(r.healthMaxMs < 20, `healthCheck max ${r.healthMaxMs.toFixed(2)} ms, ${JSON.stringify(r.healthOver1Ms)}`);
  assert.ok(r.rssAfterMb <= r.rssBeforeMb * 1.1, `RSS ${r.rssBeforeMb.toFixed(0)} MB before, ${r.rssAfterMb.toFixed(0)} MB after`);
});
