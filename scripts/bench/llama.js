// Benchmark child for node-llama-cpp (llama.cpp's prebuilt CPU binary, as Node developers get it):
// `node llama.js <model.gguf> <threads> [speed|depth]`. Same prompt (the essay-feedback request in the
// model's chat template), same greedy decoding, same
// measurements as ours.js `speed` (or `depth`: the prompt of DEPTH_TOKENS tokens, in a 4,096-token
// context): model load (+ context), time to first token / prefill tok/s, decode tok/s over 128
// tokens, peak RSS. Out of the box: llama.cpp's default KV cache (F16) and batch size.
// node-llama-cpp is the bench's own pinned dependency (scripts/bench/package.json and its lock, installed
// by scripts/bench.js into scripts/bench/node_modules). It is an ES module only: loaded with import().
'use strict';
const { promptFor, templateOf, DECODE_TOKENS, DEPTH_TOKENS, depthPrompt, peakRssMb, report, cpuSnapshot, contendedSince } = require('./common');

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD ??= 'true';

async function main() {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const [modelPath, threadsArg, measure = 'speed'] = process.argv.slice(2);
  const threads = Number(threadsArg);
  const depth = measure === 'depth';

  const llama = await getLlama({
    gpu: false,
    build: 'never',
    usePrebuiltBinaries: true,
    skipDownload: true,
    maxThreads: threads,
    logLevel: LlamaLogLevel.error,
    progressLogs: false,
  });
  const t = performance.now();
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  // The depth prompt and its decoded tokens need more than the usual 2,048.
  const contextSize = depth ? 2 * DEPTH_TOKENS : 2048;
  const context = await model.createContext({ contextSize, threads, sequences: 1, flashAttention: false });
  const loadMs = performance.now() - t;
  const sequence = context.getSequence();
  const bos = model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos] : [];
  // Chat markers are the template's tokens, as in ours.js.
  const tokenize = (text) => {
    const ids = model.tokenize(text, true);
    return ids[0] === bos[0] ? ids : [...bos, ...ids];
  };
  const template = templateOf(modelPath);

  async function generate(ids, n) {
    await sequence.clearHistory();
    const stamps = [];
    const start = performance.now();
    for await (const _token of sequence.evaluate(ids, { temperature: 0 })) {
      stamps.push(performance.now());
      if (stamps.length >= n) break;
    }
    return { start, stamps };
  }

  await generate(tokenize('One, two, three,'), 8); // warm-up, as ours.js
  const ids = tokenize(depth ? depthPrompt(template, (text) => tokenize(text).length) : promptFor(template));
  const window = cpuSnapshot();
  const { start, stamps } = await generate(ids, DECODE_TOKENS);
  const contention = contendedSince(window);
  const ttftMs = stamps[0] - start;
  report({
    ...contention,
    loadMs,
    promptTokens: ids.length,
    ttftMs,
    prefillTps: (ids.length * 1000) / ttftMs,
    decodeTokens: stamps.length,
    decodeTps: ((stamps.length - 1) * 1000) / (stamps.at(-1) - stamps[0]),
    peakRssMb: peakRssMb(),
    threads: context.currentThreads,
    systemInfo: llama.systemInfo,
  });
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(1);
  },
);
