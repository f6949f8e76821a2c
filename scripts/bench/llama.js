// Benchmark child for node-llama-cpp (llama.cpp's prebuilt CPU binary, as Node developers get it):
// `node llama.mjs <model.gguf> <threads>`. Same prompt, same greedy decoding, same measurements as
// ours.js `speed`: model load (+ context), time to first token / prefill tok/s, decode tok/s over 128
// tokens, peak RSS. Out of the box: llama.cpp's default KV cache (F16) and batch size.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { PROMPT, DECODE_TOKENS, ROOT, peakRssMb, report, cpuSnapshot, contendedSince } = require('./common.js');

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD ??= 'true';
const oracle = path.join(ROOT, 'tests', 'oracle');
const entry = createRequire(path.join(oracle, 'package.json')).resolve('node-llama-cpp');
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(entry).href);

const [modelPath, threadsArg] = process.argv.slice(2);
const threads = Number(threadsArg);

const llama = await getLlama({
  gpu: false,
  build: 'never',
  usePrebuiltBinaries: true,
  skipDownload: true,
  maxThreads: threads,
  logLevel: LlamaLogLevel.error,
  progressLogs: false,
});
let t = performance.now();
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
const context = await model.createContext({ contextSize: 2048, threads, sequences: 1, flashAttention: false });
const loadMs = performance.now() - t;
const sequence = context.getSequence();
const bos = model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos] : [];
const tokenize = (text) => [...bos, ...model.tokenize(text, false)];

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
const ids = tokenize(PROMPT);
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
process.exit(0);
