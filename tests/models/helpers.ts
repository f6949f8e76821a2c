// Shared set-up for the model manager's tests: a temporary <userData>/models and bundled folder, and a
// manager over them with quick retries.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CatalogueEntry } from '../../electron/models/catalogue';
import { ModelError, type ModelErrorReason } from '../../electron/models/errors';
import { ModelManager, type ModelManagerOptions } from '../../electron/models/manager';

export interface Setup {
  root: string;
  modelsDir: string;
  bundledDir: string;
  manager(extra?: Partial<ModelManagerOptions>): ModelManager;
  /** Files in modelsDir (models.json included). */
  files(): string[];
  cleanup(): void;
}

export function setup(catalogue: CatalogueEntry[], opts: { bundledFile?: Buffer } = {}): Setup {
  const root = mkdtempSync(path.join(os.tmpdir(), 'samsara-models-'));
  const modelsDir = path.join(root, 'userData', 'models');
  const bundledDir = path.join(root, 'bundled');
  const bundled = catalogue.find((e) => e.bundled);
  if (bundled && opts.bundledFile) {
    mkdirSync(bundledDir, { recursive: true });
    writeFileSync(path.join(bundledDir, bundled.file), opts.bundledFile);
  }
  return {
    root,
    modelsDir,
    bundledDir,
    manager: (extra = {}) =>
      new ModelManager({
        modelsDir,
        bundledDir,
        catalogue,
        allowHttp: true,
        download: { retries: 3, backoffMs: () => 20, progressIntervalMs: 50, ...extra.download },
        ...extra,
      } as ModelManagerOptions),
    files: () => {
      try {
        return readdirSync(modelsDir).sort();
      } catch {
        return [];
      }
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Awaits a rejection with a ModelError of this reason (and code), returning it for more checks. */
export async function rejects(p: Promise<unknown>, reason: ModelErrorReason, code: string): Promise<ModelError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ModelError, `expected a ModelError, got ${String(e)}`);
    assert.equal(e.reason, reason, `reason (message: ${e.message})`);
    assert.equal(e.code, code, `code (message: ${e.message})`);
    return e;
  }
  assert.fail(`expected a ${reason} rejection, but it resolved`);
}

export function entry(over: Partial<CatalogueEntry> & Pick<CatalogueEntry, 'id' | 'file' | 'url' | 'sizeBytes'>): CatalogueEntry {
  return {
    name: over.id,
    sha256: null,
    verified: false,
    architecture: 'llama',
    quantization: 'Q8_0',
    contextLength: 2048,
    ramBytes: 300_000_000,
    licence: 'Apache-2.0',
    ...over,
  };
}
