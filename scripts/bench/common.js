// What both benchmark children share: the prompt, the models, and small statistics helpers.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { modelPath } = require('../lib/models');

const ROOT = path.resolve(__dirname, '..', '..');
const ESSAY = fs.readFileSync(path.join(ROOT, 'examples', 'essay.txt'), 'utf8');

/** Essays of the checker bench: learner essays written for the project, paragraph by paragraph until
 * at least 1,000 words (live checking's workload), and another essay for the warm-up. */
const CHECK_WORDS = 1000;
function checkEssay() {
  const dir = path.join(ROOT, 'tests', 'fixtures', 'essays');
  const paragraphs = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('learner-') && f.endsWith('.txt'))
    .sort()
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split(/\n\s*\n/).slice(1));
  const out = [];
  let words = 0;
  for (const p of paragraphs) {
    if (words >= CHECK_WORDS) break;
    out.push(p.trim());
    words += p.split(/\s+/).filter(Boolean).length;
  }
  return `${out.join('\n\n')}\n`;
}
const CHECK_WARMUP = fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'essays', 'libraries.txt'), 'utf8');
/** One-character edits while typing, at evenly spread places (the same in harper_default --bench). */
const CHECK_EDITS = 30;
function editAt(chars, i) {
  return Math.floor((chars.length * (i + 1)) / (CHECK_EDITS + 1));
}

/** The product's prompts (system turn, feedback request): the workload is what assessEssay sends. */
const PROMPTS = JSON.parse(fs.readFileSync(path.join(ROOT, 'native', 'src', 'tasks', 'prompts.json'), 'utf8'));

/**
 * A system turn and one user turn in the model's chat template, ready for the assistant's answer. The
 * templates of the bench's models, as their GGUF files render them (native/tests/chat_templates.rs
 * checks ours against them); Gemma has no system role, so it leads the user turn, and its template
 * writes the BOS token. Both engines tokenize it with special tokens parsed and add a BOS token where
 * the model asks for one and the text has none.
 */
function inChatTemplate(template, system, user) {
  if (template === 'gemma') return `<bos><start_of_turn>user\n${system}\n\n${user}<end_of_turn>\n<start_of_turn>model\n`;
  return `<|im_start|>system\n${system}<|im_end|>\n<|im_start|>user\n${user}<|im_end|>\n<|im_start|>assistant\n`;
}
/** The essay-feedback request in `template` (~490 tokens with the example essay). */
const promptFor = (template, essay = ESSAY) => inChatTemplate(template, PROMPTS.system, `Here is my essay:\n\n${essay}\n\n${PROMPTS.assess}`);
/** Tokens generated for the decode figure (past end-of-generation, like llama-bench). */
const DECODE_TOKENS = 128;
/** Context before the "decode at depth" figure: DECODE_TOKENS are generated after a prompt this long
 * ($SAMSARA_BENCH_DEPTH to measure another depth). */
const DEPTH_TOKENS = Number(process.env.SAMSARA_BENCH_DEPTH) || 2048;

/** The longest feedback request of at most DEPTH_TOKENS tokens by `count` (an engine's own
 * tokenizer): the essay over and over, cut at a word, in `template`. */
function depthPrompt(template, count) {
  const words = Array(Math.ceil(DEPTH_TOKENS / 150)).fill(ESSAY).join('\n\n').split(/(?<=\s)/);
  const prompt = (n) => promptFor(template, words.slice(0, n).join('').trim());
  let [lo, hi] = [0, words.length];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (count(prompt(mid)) <= DEPTH_TOKENS) lo = mid;
    else hi = mid - 1;
  }
  return prompt(lo);
}

/** The bench's models by short name; their files come from models/manifest.json (by architecture). */
const MODELS = {
  smollm2: { label: 'SmolLM2-135M Q4_1', file: modelPath('llama'), template: 'chatml' },
  qwen2: { label: 'Qwen2.5-0.5B Q4_K_M', file: modelPath('qwen2'), template: 'chatml' },
  gemma3: { label: 'Gemma-3-270M Q4_K_M', file: modelPath('gemma3'), template: 'gemma' },
};

/** The chat template of a bench model's file (a file not in MODELS: ChatML). */
function templateOf(file) {
  return Object.values(MODELS).find((m) => path.resolve(m.file) === path.resolve(file))?.template ?? 'chatml';
}

function median(xs) {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

function quantile(xs, q) {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)];
}

/** Peak resident set of this process, in MB. */
function peakRssMb() {
  return process.resourceUsage().maxRSS / 1024;
}

/** CPU time (ms) of all processes (from /proc/stat) and of this one, and the wall clock. */
function cpuSnapshot() {
  let busyMs = NaN;
  try {
    const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    busyMs = (v.reduce((a, b) => a + b, 0) - v[3] - (v[4] || 0)) * 10; // USER_HZ = 100
  } catch {
    // not Linux: contention is not measured
  }
  const own = process.cpuUsage();
  return { busyMs, ownMs: (own.user + own.system) / 1000, wall: performance.now() };
}

/** Whether other processes used more than 10 % of a core since `snap` (the measured window only). */
function contendedSince(snap) {
  const now = cpuSnapshot();
  const other = now.busyMs - snap.busyMs - (now.ownMs - snap.ownMs);
  return { otherCpuMs: other, contended: Number.isFinite(other) && other > 0.1 * (now.wall - snap.wall) };
}

/** Children print one line `@@RESULT <json>` (with their own CPU time, so the parent can tell what
 * other processes used); anything else they print is diagnostics. */
function report(result) {
  const cpu = process.cpuUsage();
  process.stdout.write(`@@RESULT ${JSON.stringify({ ...result, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
}

module.exports = { CHECK_EDITS, CHECK_WARMUP, checkEssay, editAt, ROOT, ESSAY, promptFor, templateOf, DECODE_TOKENS, DEPTH_TOKENS, depthPrompt, MODELS, median, quantile, peakRssMb, report, cpuSnapshot, contendedSince };
