// 100 concurrent requests against one engine (tests/reliability/load.ts).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { runLoad } from './load';

after(() => native.shutdown());

test('a burst of 100 requests: each answered or ENGINE_BUSY, health calls < 1 ms (p99) throughout, memory comes back', async () => {
  const r = await runLoad();
  assert.deepEqual(r.other, [], 'only answers and ENGINE_BUSY');
  assert.equal(r.served + r.refusedBusy, r.requests);
  assert.ok(r.refusedBusy > 0 && r.served >= 50, `served ${r.served}, refused ${r.refusedBusy}`);
  assert.ok(r.healthSamples >= 500, `${r.healthSamples} health samples`);
  // The engine's answer: calls under 1 ms (p99, below), none over 10 ms, at most one over 5 ms. That
  // one is a single 5–7 ms stall of the calling thread that some runs show at a fixed point of this
  // workload (~15 s), with builds from before and after the store thread alike, and not during a V8
  // collection; a lock wait (a model load, a save) would take 100 ms or more. docs/reliability.md
  // ("Load") has what is known. A call that this thread's own garbage collection paused is not the
  // engine's time: it is bounded apart. End to end (with this thread's event loop, which also runs the
  // burst's callbacks) nearly all are under 1 ms.
  assert.ok(r.healthCallMaxMs < 10, `healthCheck call max ${r.healthCallMaxMs.toFixed(2)} ms, ${JSON.stringify(r.healthOver1Ms)}`);
  assert.ok(r.healthCallsOver5Ms <= 1, `${r.healthCallsOver5Ms} healthCheck calls over 5 ms, ${JSON.stringify(r.healthOver1Ms)}`);
  assert.ok(r.healthCallInGcMaxMs < 20, `healthCheck call paused by GC max ${r.healthCallInGcMaxMs.toFixed(2)} ms`);
  assert.ok(r.healthP99Ms < 1, `healthCheck p99 ${r.healthP99Ms.toFixed(2)} ms`);
  assert.ok(r.healthMaxMs < 20, `healthCheck max ${r.healthMaxMs.toFixed(2)} ms, ${JSON.stringify(r.healthOver1Ms)}`);
  assert.ok(r.rssAfterMb <= r.rssBeforeMb * 1.1, `RSS ${r.rssBeforeMb.toFixed(0)} MB before, ${r.rssAfterMb.toFixed(0)} MB after`);
});
