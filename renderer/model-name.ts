// A name for the model a student can read ("SmolLM2 135M, Q4_1") and the details behind it, from
// healthCheck's report. A GGUF's own name is often a training run's ("Smollm2 135M 8k Lc100K Mix1
// Ep2") and its file name is often all lower case, so the name is the model's words up to its size
// ("135M", "0.5B"), each spelt as in whichever of the two has more capitals. Pure, so it is tested
// apart from the page.
import type { HealthReport, ModelInfo } from '../preload/api';

/** A size label: 135M, 0.5B, 270m, 7b. */
const SIZE = /^\d+(?:\.\d+)?[kmbt]$/i;
/** Quantization, file-type and tuning words that are not part of a model's name. */
const NOISE = /^(?:i?q\d\w*|f16|f32|bf16|gguf|instruct|chat|it|awq|gptq|base)$/i;

function words(s: string): string[] {
  // Separators are - _ . and spaces, but a dot between digits stays ("Qwen2.5", "0.5B").
  return s
    .replace(/\.gguf$/i, '')
    .split(/[\s_-]+|\.(?!\d)|(?<!\d)\./)
    .filter((w) => w !== '');
}

/** The words up to and including the size label (all of them without one), without noise words. */
function core(s: string): string[] {
  const out: string[] = [];
  for (const w of words(s)) {
    if (NOISE.test(w)) continue;
    if (SIZE.test(w)) {
      out.push(w.toUpperCase());
      return out;
    }
    out.push(w);
  }
  return out;
}

function capitals(w: string): number {
  return (w.match(/\p{Lu}/gu) ?? []).length;
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** "Q4_1", "Q4_K" (the engine says Q4K), "F16". */
export function friendlyQuantization(q: string | undefined): string {
  if (!q) return '';
  const k = /^Q(\d)K$/i.exec(q);
  return k ? `Q${k[1]}_K` : q.toUpperCase();
}

/** The model's name without its quantization, e.g. "SmolLM2 135M" (empty when nothing names it). */
export function modelName(m: Pick<ModelInfo, 'name' | 'path'>): string {
  const file = m.path ? core(fileName(m.path)) : [];
  const own = m.name ? core(m.name) : [];
  const base = own.length > 0 && own.some((w) => SIZE.test(w)) ? own : file.length > 0 ? file : own;
  return base
    .map((w) => {
      const same = file.find((f) => f.toLowerCase() === w.toLowerCase());
      return same && capitals(same) > capitals(w) ? same : w;
    })
    .join(' ');
}

/** "SmolLM2 135M, Q4_1"; "the model" when the report names nothing. */
export function friendlyModelName(m: Pick<ModelInfo, 'name' | 'path' | 'quantization'>): string {
  const name = modelName(m) || 'the model';
  const q = friendlyQuantization(m.quantization);
  return q ? `${name}, ${q}` : name;
}

/** What the status pill says (also its accessible name). */
export function statusText(h: HealthReport): string {
  const m = h.model;
  switch (m.state) {
    case 'ready':
      return `Model ready: ${friendlyModelName(m)}`;
    case 'loading':
      return `Model loading, ${Math.round((m.loadProgress ?? 0) * 100)}\u00a0%`;
    case 'failed':
      return 'Model failed to load';
    case 'unloaded':
      return 'Model not loaded yet (loads on first use)';
  }
}

const KERNELS: Record<HealthReport['kernels'], string> = {
  'avx512-vnni': 'AVX-512 VNNI',
  avx2: 'AVX2',
  scalar: 'portable (no SIMD)',
};

/** The details shown on hover or focus: label and value pairs. */
export function modelDetails(h: HealthReport): Array<[string, string]> {
  const m = h.model;
  const rows: Array<[string, string]> = [];
  if (m.state === 'failed') rows.push(['Problem', m.error ?? 'The model could not be loaded.']);
  const name = modelName(m);
  if (name) rows.push(['Model', friendlyModelName(m)]);
  if (m.path) rows.push(['File', m.path]);
  if (m.architecture) rows.push(['Architecture', m.architecture]);
  if (m.contextLength) rows.push(['Context', `${m.contextLength.toLocaleString('en-US')} tokens`]);
  rows.push(['Kernels', KERNELS[h.kernels] ?? h.kernels]);
  rows.push(['Threads', String(h.threads)]);
  return rows;
}
