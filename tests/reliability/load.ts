// A burst of 100 concurrent requests (health, chat, assess mixed) against one engine: each is answered
// or refused with ENGINE_BUSY; healthCheck latency is sampled throughout; memory must come back.
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import * as native from 'samsara-native';
import { ESSAY, SMOLLM2, sleep } from '../addon/helpers';

export interface LoadResult {
  requests: number;
  served: number;
  refusedBusy: number;
  other: string[];
  healthSamples: number;
  healthMaxMs: number;
  healthP99Ms: number;
  /**
   * The slowest healthCheck call itself (until it returns its promise), without event-loop waits and
   * without the calls a V8 garbage collection paused (this thread's own pause, not the engine's).
   */
  healthCallMaxMs: number;
  /** The slowest call that a garbage collection paused (reported apart, for the record). */
  healthCallInGcMaxMs: number;
  /** Calls (not paused by a garbage collection) that took over 5 ms themselves. */
  healthCallsOver5Ms: number;
  /** The slowest samples over 1 ms: when they came (ms after the burst started), how much of it was
   *  the call itself (the rest is waiting for this thread's event loop), and whether a GC paused it. */
  healthOver1Ms: Array<{ atMs: number; ms: number; syncMs: number; gc: boolean }>;
  rssBeforeMb: number;
  rssAfterMb: number;
  burstSeconds: number;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(200);
  }
  return process.memoryUsage().rss / 2 ** 20;
}

export async function runLoad(): Promise<LoadResult> {
  native.configure({ modelPath: SMOLLM2, queueCapacity: 16 });
  // Warm: the model loaded, the code paths touched once, so the baseline is the steady state.
  await native.assessEssay({ fileId: 'warm', text: ESSAY.slice(0, 600) });
  await native.chat({ message: 'One tip, please.' });
  const rssBefore = await settledRss();

  const essay = ESSAY.slice(0, 800);
  const kinds = Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? 'assess' : i % 4 === 1 ? 'chat' : 'health'));
  let done = false;
  const latencies: number[] = [];
  let syncMax = 0;
  const calls: Array<{ at: number; ms: number; syncMs: number }> = [];
  // V8's garbage collections, in performance.now() time: a call they overlap was paused by them.
  const gcPauses: Array<{ start: number; end: number }> = [];
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  let t0 = performance.now();
  const sampler = (async () => {
    while (!done) {
      const t = performance.now();
      const pending = native.healthCheck();
      const syncMs = performance.now() - t;
      await pending;
      const ms = performance.now() - t;
      latencies.push(ms);
      calls.push({ at: t, ms, syncMs });
      // A status pill polls every few seconds; 50 samples a second is far more than any UI asks.
      await sleep(20);
    }
  })();
  await sleep(50);

  t0 = performance.now();
  // Each request arrives in its own event-loop turn, as IPC messages do (submitting all 100 in one
  // synchronous loop would block this thread, health samples included, for its own few ms).
  const outcomes = await Promise.all(
    kinds.map(async (kind, i): Promise<string> => {
      await new Promise((r) => setImmediate(r));
      try {
        if (kind === 'assess') await native.assessEssay({ fileId: `burst-${i}`, text: essay }, { timeoutMs: 120_000 });
        else if (kind === 'chat') await native.chat({ message: `Question ${i}: how do I write a good conclusion?` }, { timeoutMs: 120_000 });
        else await native.healthCheck();
        return 'ok';
      } catch (e) {
        return (e as { code?: string }).code ?? 'NO_CODE';
      }
    }),
  );
  const burstSeconds = (performance.now() - t0) / 1000;
  done = true;
  await sampler;
  await sleep(50); // the observer's last entries
  gcObserver.disconnect();
  const inGc = (c: { at: number; syncMs: number }) => gcPauses.some((g) => g.start < c.at + c.syncMs && g.end > c.at);
  let syncInGcMax = 0;
  for (const c of calls) {
    if (inGc(c)) syncInGcMax = Math.max(syncInGcMax, c.syncMs);
    else syncMax = Math.max(syncMax, c.syncMs);
  }
  const slowest = calls
    .filter((c) => c.ms > 1)
    .map((c) => ({ atMs: Math.round(c.at - t0), ms: c.ms, syncMs: c.syncMs, gc: inGc(c) }));
  const rssAfter = await settledRss();

  latencies.sort((a, b) => a - b);
  return {
    requests: kinds.length,
    served: outcomes.filter((o) => o === 'ok').length,
    refusedBusy: outcomes.filter((o) => o === 'ENGINE_BUSY').length,
    other: outcomes.filter((o) => o !== 'ok' && o !== 'ENGINE_BUSY'),
    healthSamples: latencies.length,
    healthMaxMs: latencies[latencies.length - 1] ?? 0,
    healthP99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    healthCallMaxMs: syncMax,
    healthCallInGcMaxMs: syncInGcMax,
    healthCallsOver5Ms: calls.filter((c) => c.syncMs > 5 && !inGc(c)).length,
    healthOver1Ms: slowest.sort((a, b) => b.ms - a.ms).slice(0, 5),
    rssBeforeMb: rssBefore,
    rssAfterMb: rssAfter,
    burstSeconds,
  };
}
