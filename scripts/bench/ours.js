// Benchmark child for Samsara's addon: `node ours.js <model.gguf> <threads> <measure>`.
//   speed: model load, time to first token / prefill tok/s on the essay-feedback request in the model's chat
//          template (common.js promptFor), decode tok/s over 128 tokens, peak RSS
//   depth: the same on a prompt of DEPTH_TOKENS (2,048) tokens: decode tok/s at that depth
//   extras: healthCheck p99 during generation, cancel latency in prefill and decode, second chat turn TTFT
//   startup: addon require + first healthCheck; first request → model ready
//   check: checkText on a 1,000-word essay: its first check after warm-up, then one check after each
//          of CHECK_EDITS one-character edits (live checking while typing); no model
//   assess: assessEssay on the example essay after load and warm-up: wall time and the tokens the model
//          ran (run against a baseline build too, with SAMSARA_BENCH_NATIVE_DIR)
// A fresh process per run: load time and peak RSS are this run's own.
'use strict';
const t0 = performance.now();
const path = require('node:path');
const { CHECK_EDITS, CHECK_WARMUP, checkEssay, editAt, ESSAY, promptFor, templateOf, DECODE_TOKENS, depthPrompt, ROOT, median, quantile, peakRssMb, report, cpuSnapshot, contendedSince } = require('./common');

const [modelPath, threadsArg, measure] = process.argv.slice(2);
const threads = Number(threadsArg);
const template = templateOf(modelPath);
const PROMPT = promptFor(template);
/** Chat markers in the prompts are the template's tokens. */
const count = (native, text) => native.tokenize(text, { parseSpecialTokens: true }).length;

async function main() {
  // $SAMSARA_BENCH_NATIVE_DIR: another build's wrapper and addon (the assessment baseline).
  const native = require(process.env.SAMSARA_BENCH_NATIVE_DIR || path.join(ROOT, 'native'));
  if (measure === 'startup') {
    await native.healthCheck();
    const requireAndHealthMs = performance.now() - t0;
    native.configure({ modelPath, threads });
    const t = performance.now();
    await native.complete({ prompt: 'Hi', maxTokens: 1, temperature: 0 });
    const firstRequestMs = performance.now() - t;
    const h = await native.healthCheck();
    report({ requireAndHealthMs, firstRequestMs, state: h.model.state });
    return;
  }
  if (measure === 'check') {
    // Warm-up: the dictionary and rules are built, and another essay checked.
    await native.checkText({ text: CHECK_WARMUP });
    const chars = Array.from(checkEssay());
    const window = cpuSnapshot();
    let s = performance.now();
    await native.checkText({ text: chars.join('') });
    const firstMs = performance.now() - s;
    const editMs = [];
    for (let i = 0; i < CHECK_EDITS; i++) {
      chars.splice(editAt(chars, i), 0, 'x');
      s = performance.now();
      await native.checkText({ text: chars.join('') });
      editMs.push(performance.now() - s);
    }
    report({ ...contendedSince(window), words: checkEssay().split(/\s+/).filter(Boolean).length, firstMs, editMedianMs: median(editMs), editP95Ms: quantile(editMs, 0.95) });
    return;
  }
  native.configure({ modelPath, threads });
  let t = performance.now();
  if (measure === 'assess') {
    await native.loadModel();
    // The checker warms up beside the model load in this build; let it finish (the baseline has none).
    if (!process.env.SAMSARA_BENCH_NATIVE_DIR) await native.checkText({ text: 'Warm.' });
    await native.assessEssay({ fileId: 'bench-warm', text: CHECK_WARMUP });
    const window = cpuSnapshot();
    const s = performance.now();
    const r = await native.assessEssay({ fileId: `bench-${Math.random()}`, text: ESSAY });
    report({ ...contendedSince(window), assessMs: performance.now() - s, comments: r.comments.length, ...r.usage });
    return;
  }
  // The engine alone, as node-llama-cpp is: the first request loads the model (loadModel() would also
  // build the grammar checker's dictionary, ~160 MB, on the other core; the checker is measured in
  // the feedback part, beside Harper alone). Its one-token answer to a 4-token prompt is in loadMs.
  await native.complete({ prompt: 'One, two, three,', maxTokens: 1, temperature: 0 });
  const loadMs = performance.now() - t;
  // Warm-up on an unrelated prompt (nothing of PROMPT is cached afterwards).
  await native.complete({ prompt: 'One, two, three,', maxTokens: 8, temperature: 0 });

  if (measure === 'speed' || measure === 'depth') {
    const prompt = measure === 'depth' ? depthPrompt(template, (text) => count(native, text)) : PROMPT;
    const promptTokens = count(native, prompt);
    let first = 0;
    const window = cpuSnapshot();
    t = performance.now();
    const r = await native.complete(
      { prompt, parseSpecialTokens: true, maxTokens: DECODE_TOKENS, temperature: 0, ignoreEos: true },
      { onToken: () => { if (!first) first = performance.now(); } },
    );
    const end = performance.now();
    const ttftMs = first - t;
    const h = await native.healthCheck();
    report({
      ...contendedSince(window),
      kernels: h.kernels,
      threadsInUse: h.threads,
      loadMs,
      promptTokens,
      ttftMs,
      prefillTps: (promptTokens * 1000) / ttftMs,
      decodeTokens: r.tokens.length,
      decodeTps: ((r.tokens.length - 1) * 1000) / (end - first),
      peakRssMb: peakRssMb(),
      text: r.text.slice(0, 160),
    });
    return;
  }

  // extras
  // healthCheck latency, sampled back to back while a generation runs.
  const health = [];
  let done = false;
  const gen = native
    .complete({ prompt: PROMPT, parseSpecialTokens: true, maxTokens: 64, temperature: 0, ignoreEos: true })
    .finally(() => (done = true));
  while (!done) {
    const s = performance.now();
    await native.healthCheck();
    health.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 1));
  }
  await gen;

  // Cancel in the middle of a prefill (a prompt not cached yet), then in the middle of decoding.
  const cancelPrefillMs = await cancelAfter(native, `Draft two.\n${PROMPT}`, 4, (fire) => setTimeout(fire, 40));
  const cancelDecodeMs = await cancelAfter(native, `Draft three.\n${PROMPT}`, 400, (fire, tokens) => tokens(10, fire));

  // Chat: a second question about the same essay reuses the cached essay.
  const ttft = [];
  for (const message of ['What is the main argument of my essay?', 'How could I make my conclusion stronger?']) {
    let first = 0;
    const s = performance.now();
    await native.chat(
      { fileId: 'bench-essay', message, contextText: ESSAY },
      { onToken: () => { if (!first) first = performance.now(); } },
    );
    ttft.push(first - s);
  }
  report({
    loadMs,
    healthSamples: health.length,
    healthP99Ms: quantile(health, 0.99),
    healthMaxMs: Math.max(...health),
    cancelPrefillMs,
    cancelDecodeMs,
    chatTtftFirstMs: ttft[0],
    chatTtftSecondMs: ttft[1],
    chatSecondRatio: ttft[1] / ttft[0],
  });
}

/** Starts a completion, cancels it when `arm` fires, returns ms from cancel() to the rejection. */
async function cancelAfter(native, prompt, maxTokens, arm) {
  const requestId = `cancel-${Math.random()}`;
  let count = 0;
  let wanted = Infinity;
  let onCount = () => {};
  let cancelledAt = 0;
  const fire = () => {
    cancelledAt = performance.now();
    native.cancel(requestId);
  };
  const p = native.complete(
    { prompt, parseSpecialTokens: true, maxTokens, temperature: 0, ignoreEos: true },
    { requestId, onToken: () => { if (++count >= wanted) onCount(); } },
  );
  arm(fire, (n, fn) => {
    wanted = n;
    onCount = () => { onCount = () => {}; fn(); };
  });
  try {
    await p;
    throw new Error('the request finished before it was cancelled');
  } catch (e) {
    if (e.code !== 'CANCELLED') throw e;
  }
  return performance.now() - cancelledAt;
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  },
);
