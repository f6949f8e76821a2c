// llama.cpp (node-llama-cpp) references for the tiny random-weight models of tests/tiny-models/:
// for every gguf/*.gguf there, writes references/<name>.json with, per prompt, the greedy tokens and
// the top-10 raw logits at every step. See tests/tiny-models/README.md.
//
//   cd tests/oracle && npm install && npm run tiny-models            # or: npm run tiny-models -- qwen3 phi3
//
// Same settings as generate-fixtures.js: CPU only, 1 thread, prebuilt llama.cpp (never downloaded or
// built), flash attention off, F32 KV cache, temperature 0 (pure argmax).
// For experiments only: TINY_KV=F16 sets the KV cache type, TINY_OUT=<dir> writes elsewhere.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

process.env.NODE_LLAMA_CPP_SKIP_DOWNLOAD ??= "true";
const { getLlama, LlamaLogLevel } = await import("node-llama-cpp");

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const TINY = path.join(REPO, "tests", "tiny-models");
const IN_DIR = path.join(TINY, "gguf");
const OUT_DIR = process.env.TINY_OUT ?? path.join(TINY, "references");
const KV_TYPE = process.env.TINY_KV ?? "F32";

const GENERATOR = "node-llama-cpp 3.22.1";
const MAX_NEW_TOKENS = 24;
const CONTEXT_SIZE = 2048;
const THREADS = 1;
const TOP_N = 10;

const chatml = (system, user) =>
    `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n`;

// Tokenized with special-token parsing on (the ChatML markers are control tokens of the SmolLM2 vocabulary
// every tiny model carries). "long" is > 64 tokens: longer than the sliding windows (16) of the gemma
// models and than one prefill chunk of our engine.
const PROMPTS = [
    { name: "capital", prompt: "The capital of France is" },
    { name: "chat", prompt: chatml("You are a helpful assistant.", "Write a haiku about rain.") },
    { name: "story", prompt: "Once upon a time, in a small village," },
    {
        name: "long",
        prompt: "Social media has changed how people communicate. Many people now talk more online than in " +
            "person. This can make friendships weaker, but it also lets people stay in touch across long " +
            "distances. In my essay I argue that"
    },
    { name: "water", prompt: "Water boils at" },
    { name: "chat-tips", prompt: chatml("You are a writing tutor.", "List three tips for writing clearly.") },
    { name: "code", prompt: "fn main() { println!(\"hi\"); }" },
    { name: "unicode", prompt: "Café naïve résumé 東京 🎉" }
];

// Extra references at another context size: phi3 picks LongRoPE's long factors only when the context
// exceeds rope.scaling.original_context_length (4096 in the tiny phi3), its short ones otherwise.
const EXTRA_CONTEXTS = { "tiny-phi3-f32": [8192] };

const round = (x) => Math.round(x * 1e4) / 1e4;
const sha256 = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");

const LOGITS_NEXT = {
    generateNext: {
        token: true,
        logits: { filter: { tokens: [], includeTop: TOP_N, includeSelected: true } }
    }
};

function topLogits(next) {
    return [...next.logits.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, TOP_N)
        .map(([id, logit]) => [id, round(logit)]);
}

const only = process.argv.slice(2);
const started = performance.now();
const llama = await getLlama({
    gpu: false,
    build: "never",
    usePrebuiltBinaries: true,
    skipDownload: true,
    maxThreads: THREADS,
    logLevel: LlamaLogLevel.warn
});
console.log(`llama.cpp ${llama.llamaCppRelease.release} (${llama.buildType}), gpu=${llama.gpu}, maxThreads=${llama.maxThreads}`);
await mkdir(OUT_DIR, { recursive: true });

const files = (await readdir(IN_DIR)).filter((f) => f.endsWith(".gguf")).sort();
if (files.length === 0)
    throw new Error(`no .gguf in ${IN_DIR}: run tests/tiny-models/generate.py first`);
const jobs = [];
for (const file of files) {
    const stem = file.replace(/\.gguf$/, "");
    // tiny-<model>-<type>.gguf; filter on the model name (e.g. "phi3") or the full stem.
    if (only.length > 0 && !only.some((o) => stem === o || stem.startsWith(`tiny-${o}-`)))
        continue;
    jobs.push({ file, name: stem, contextSize: CONTEXT_SIZE });
    for (const n of EXTRA_CONTEXTS[stem] ?? [])
        jobs.push({ file, name: `${stem}@${n}`, contextSize: n });
}
let failures = 0;
for (const { file, name, contextSize } of jobs) {
    const modelPath = path.join(IN_DIR, file);
    const t0 = performance.now();
    const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
    const context = await model.createContext({
        contextSize,
        threads: THREADS,
        sequences: 1,
        flashAttention: false,
        experimentalKvCacheKeyType: KV_TYPE,
        experimentalKvCacheValueType: KV_TYPE
    });
    const sequence = context.getSequence();
    const tk = model.tokens;
    const meta = model.fileInfo.metadata;

    const greedy = [];
    for (const { name: promptName, prompt } of PROMPTS) {
        const promptIds = [...(tk.shouldPrependBosToken ? [tk.bos] : []), ...model.tokenize(prompt, true)];
        await sequence.clearHistory();
        const tokens = [];
        for await (const token of sequence.evaluate(promptIds, { temperature: 0, yieldEogToken: true })) {
            tokens.push(token);
            if (tokens.length >= MAX_NEW_TOKENS || model.isEogToken(token))
                break;
        }
        // Replay one token at a time, reading the top logits at every step.
        await sequence.clearHistory();
        const steps = [];
        let out = await sequence.controlledEvaluate([...promptIds.slice(0, -1), [promptIds.at(-1), LOGITS_NEXT]]);
        steps.push(out.at(-1).next);
        for (const token of tokens.slice(0, -1)) {
            out = await sequence.controlledEvaluate([[token, LOGITS_NEXT]]);
            steps.push(out[0].next);
        }
        const top = steps.map(topLogits);
        const replayMatches = steps.every((s, i) => s.token === tokens[i]);
        const argmaxMatches = top.every((t, i) => t[0][0] === tokens[i]);
        const margins = top.map(([a, b]) => round(a[1] - b[1]));
        const minMargin = Math.min(...margins);
        if (!replayMatches || !argmaxMatches)
            failures++;
        greedy.push({
            name: promptName,
            prompt,
            bosPrepended: tk.shouldPrependBosToken,
            promptIds,
            tokens,
            stoppedAtEog: tokens.length > 0 && model.isEogToken(tokens.at(-1)),
            minMargin: round(minMargin),
            margins,
            topLogits: top,
            replayMatches,
            argmaxMatches
        });
        console.log(`[${name}] ${promptName}: ${promptIds.length} prompt + ${tokens.length} tokens, ` +
            `replay=${replayMatches}, argmax=${argmaxMatches}, minMargin=${minMargin.toFixed(3)}`);
    }

    const reference = {
        generator: GENERATOR,
        llamaCpp: llama.llamaCppRelease.release,
        model: `gguf/${file}`,
        sha256: sha256(modelPath),
        architecture: meta?.general?.architecture,
        vocabularySize: tk.vocabularySize ?? null,
        addBos: tk.shouldPrependBosToken,
        settings: {
            threads: THREADS,
            gpu: false,
            contextSize: context.contextSize,
            batchSize: context.batchSize,
            flashAttention: context.flashAttention,
            kvCacheType: KV_TYPE,
            sampling: "temperature 0 (llama.cpp greedy sampler: argmax, no penalties)",
            maxNewTokens: MAX_NEW_TOKENS,
            topN: TOP_N
        },
        notes: [
            "greedy[].promptIds: BOS when the tokenizer asks for one, then model.tokenize(prompt, parseSpecialTokens=true)",
            "greedy[].tokens: sequence.evaluate(promptIds, {temperature: 0}); an EOG token, if generated, is the last entry",
            "greedy[].topLogits[i]: top-10 [id, rawLogit] at step i (highest first), from a one-token-at-a-time controlledEvaluate replay",
            "greedy[].margins[i]: top1 - top2 at step i",
            "settings.contextSize: the context llama.cpp ran with (it decides phi3's LongRoPE factors: long above rope.scaling.original_context_length, short otherwise)"
        ],
        greedy
    };
    const outFile = path.join(OUT_DIR, `${name}.json`);
    await writeFile(outFile, JSON.stringify(reference) + "\n");
    console.log(`[${name}] wrote ${path.relative(REPO, outFile)} in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    await context.dispose();
    await model.dispose();
}
await llama.dispose();
console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)}s`);
if (failures > 0) {
    console.error(`${failures} prompt(s) where the replay or the argmax disagrees with the greedy run`);
    process.exitCode = 1;
}
