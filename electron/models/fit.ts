// Will a model run well on this machine? A plain estimate from its memory need and the machine's RAM and
// cores, the way LM Studio and GPT4All show one: 'fits', 'tight' or 'too-big', with the reason in words.
import os from 'node:os';
import type { Fit } from '../../preload/models';
import { formatBytes } from './errors';

export interface Machine {
  totalRamBytes: number;
  freeRamBytes: number;
  cores: number;
}

export type { Fit, FitLevel } from '../../preload/models';

export function thisMachine(): Machine {
  return { totalRamBytes: os.totalmem(), freeRamBytes: os.freemem(), cores: os.availableParallelism?.() ?? os.cpus().length };
}

/** The context the estimate assumes (tokens); the engine allocates its f16 KV cache for the whole context. */
export const ESTIMATE_CONTEXT = 8192;
/** The app, the tokenizer, activations and the renderer beside the weights. */
const RUNTIME_BYTES = 250e6;

/**
 * Memory to run a model: the weights (the file is mapped), an f16 K and V cache of `context` tokens per
 * layer, and the runtime. Without the shape (a file of unknown layout), the weights plus 30 %.
 */
export function ramNeeded(m: { fileBytes: number; layers?: number; kvHeads?: number; headDim?: number }, context = ESTIMATE_CONTEXT): number {
  const kv = m.layers && m.kvHeads && m.headDim ? m.layers * context * m.kvHeads * m.headDim * 2 * 2 : m.fileBytes * 0.3;
  return Math.round(m.fileBytes + kv + RUNTIME_BYTES);
}

/**
 * 'too-big': needs more than 75 % of all memory (the system, Electron and other apps need the rest).
 * 'tight': more than half of all memory, more than is free right now, or a big model on few cores.
 * 'fits' otherwise.
 */
export function fit(ramBytes: number, m: Machine): Fit {
  const need = formatBytes(ramBytes);
  const total = formatBytes(m.totalRamBytes);
  if (ramBytes > m.totalRamBytes * 0.75) {
    return { level: 'too-big', reason: `Needs about ${need} of memory; this computer has ${total}.` };
  }
  if (ramBytes > m.totalRamBytes * 0.5) {
    return { level: 'tight', reason: `Needs about ${need} of this computer's ${total}: other apps may slow down.` };
  }
  if (ramBytes > m.freeRamBytes) {
    return { level: 'tight', reason: `Needs about ${need}; ${formatBytes(m.freeRamBytes)} is free now. Closing other apps helps.` };
  }
  if (m.cores < 4 && ramBytes > 2e9) {
    return { level: 'tight', reason: `Fits in memory (about ${need}), but with ${m.cores} processor cores answers will be slow.` };
  }
  return { level: 'fits', reason: `Needs about ${need} of this computer's ${total}.` };
}
