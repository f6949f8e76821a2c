// The model manager (issue 17): the catalogue, the installed models and their fit, downloads, adding a
// GGUF file, removing, and the persisted choice. No Electron import: main wires it to IPC and the engine,
// and tests and scripts use it from plain Node.
//
//   <modelsDir>            <userData>/models: downloaded and added models, and models.json (below)
//   <bundledDir>           the app's own models/ (resources/models when packaged): the bundled default
//   <modelsDir>/models.json  { version: 1, installed: [...], selected?: id } — what was installed, with the
//                          sha256 computed when it was (the trusted hash from then on), and the choice
//
// Nothing partial is listed: a download is <file>.part until it is whole and verified; an added file is
// copied to <file>.part and renamed; models.json is written to a temporary file and renamed.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { entryFromSpec, isModelFileName, readCatalogue, type CatalogueEntry, type DownloadSpec } from './catalogue';
import { checkSpace, downloadFile, partPath, type DownloadIo } from './download';
import { ModelError, formatBytes, modelError } from './errors';
import { fit, ramNeeded, thisMachine, type Machine } from './fit';
import { GgufError, readGgufHeader, SUPPORTED_ARCHITECTURES, SUPPORTED_TENSOR_TYPES, type GgufHeader } from './gguf-header';
import type { DownloadProgress, InstalledModel, ModelListing, SelectedModel } from '../../preload/models';

// The types window.api shares with the renderer are defined once, in preload/models.ts.
export type { InstalledModel, ModelListing, ModelSource, SelectedModel } from '../../preload/models';

interface State {
  version: 1;
  installed: InstalledModel[];
  selected?: string;
}

export interface ModelManagerOptions {
  /** <userData>/models. */
  modelsDir: string;
  /** The folder with the bundled default model and manifest.json (electron/paths.ts modelsDir()). */
  bundledDir?: string;
  /** Default: <bundledDir>/manifest.json. */
  manifestFile?: string;
  /** Instead of the manifest's catalogue (tests). */
  catalogue?: CatalogueEntry[];
  /** Accept http:// addresses (tests on 127.0.0.1); otherwise https only. */
  allowHttp?: boolean;
  machine?: () => Machine;
  /** The id of the model the engine has loaded; removeModel refuses it. Default: the selected one. */
  inUse?: () => string | undefined;
  /** Download tuning and stand-ins (tests): retries, backoff, stall, fetch, statfs. */
  download?: { retries?: number; backoffMs?: (n: number) => number; stallMs?: number; progressIntervalMs?: number; io?: Partial<DownloadIo> };
}

export interface DownloadModelOptions {
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
}

interface Job {
  promise: Promise<InstalledModel>;
  controller: AbortController;
  listeners: Set<(p: DownloadProgress) => void>;
  callers: number;
  last: DownloadProgress | null;
}

const STATE_FILE = 'models.json';

function plainName(file: string): string {
  return path.basename(file);
}

export class ModelManager {
  private readonly jobs = new Map<string, Job>();
  private catalogueCache: CatalogueEntry[] | undefined;
  private stateLock: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ModelManagerOptions) {}

  get modelsDir(): string {
    return this.o.modelsDir;
  }

  catalogue(): CatalogueEntry[] {
    if (!this.catalogueCache) {
      const file = this.o.manifestFile ?? (this.o.bundledDir ? path.join(this.o.bundledDir, 'manifest.json') : undefined);
      this.catalogueCache = this.o.catalogue ?? (file ? readCatalogue(file) : []);
    }
    return this.catalogueCache;
  }

  // ---- state (models.json) ----

  private async readState(): Promise<State> {
    let text: string;
    try {
      text = await readFile(path.join(this.o.modelsDir, STATE_FILE), 'utf8');
    } catch {
      return { version: 1, installed: [] };
    }
    try {
      const s = JSON.parse(text) as State;
      if (s && s.version === 1 && Array.isArray(s.installed)) {
        return { version: 1, installed: s.installed.filter((m) => m && typeof m.id === 'string' && isModelFileName(m.file)), ...(typeof s.selected === 'string' ? { selected: s.selected } : {}) };
      }
    } catch {
      // a damaged models.json: start from an empty list (the files stay; addModelFile takes them back)
    }
    return { version: 1, installed: [] };
  }

  /** Read–change–write of models.json, one at a time, written to a temporary file and renamed. */
  private updateState<T>(change: (s: State) => T | Promise<T>): Promise<T> {
    const run = this.stateLock.then(async () => {
      const s = await this.readState();
      const out = await change(s);
      await mkdir(this.o.modelsDir, { recursive: true });
      const file = path.join(this.o.modelsDir, STATE_FILE);
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(s, null, 2)}\n`);
      await rename(tmp, file);
      return out;
    });
    this.stateLock = run.catch(() => undefined);
    return run;
  }

  // ---- lookups ----

  private bundledEntry(): CatalogueEntry | undefined {
    return this.o.bundledDir ? this.catalogue().find((e) => e.bundled) : undefined;
  }

  private async bundledPresent(): Promise<CatalogueEntry | undefined> {
    const b = this.bundledEntry();
    if (!b || !this.o.bundledDir) return undefined;
    const s = await stat(path.join(this.o.bundledDir, b.file)).catch(() => null);
    return s?.isFile() ? b : undefined;
  }

  private async installed(): Promise<InstalledModel[]> {
    const s = await this.readState();
    const present = await Promise.all(s.installed.map(async (m) => ((await stat(path.join(this.o.modelsDir, m.file)).catch(() => null))?.isFile() ? m : null)));
    return present.filter((m): m is InstalledModel => m !== null);
  }

  private async selectedId(): Promise<string | undefined> {
    return (await this.readState()).selected ?? this.bundledEntry()?.id;
  }

  /** The file of an installed (or the bundled) model; undefined when it is not installed. */
  async modelPath(id: string): Promise<string | undefined> {
    const b = await this.bundledPresent();
    if (b && b.id === id) return path.join(this.o.bundledDir!, b.file);
    const m = (await this.installed()).find((x) => x.id === id);
    return m ? path.join(this.o.modelsDir, m.file) : undefined;
  }

  // ---- listModels ----

  async listModels(): Promise<ModelListing[]> {
    const machine = (this.o.machine ?? thisMachine)();
    const installed = await this.installed();
    const bundled = await this.bundledPresent();
    const selected = await this.selectedId();
    const supported = (arch: string) => (SUPPORTED_ARCHITECTURES as readonly string[]).includes(arch);
    const partial = async (file: string) =>
      this.jobs.has(file) ? 0 : ((await stat(partPath(this.o.modelsDir, file)).catch(() => null))?.size ?? 0);
    const rows: ModelListing[] = [];
    for (const e of this.catalogue()) {
      const rec = installed.find((m) => m.id === e.id);
      const isBundled = bundled?.id === e.id;
      const filePath = isBundled ? path.join(this.o.bundledDir!, e.file) : rec ? path.join(this.o.modelsDir, rec.file) : null;
      rows.push({
        id: e.id,
        name: e.name,
        architecture: e.architecture,
        quantization: e.quantization,
        sizeBytes: e.sizeBytes,
        contextLength: e.contextLength,
        ramBytes: e.ramBytes,
        licence: e.licence,
        url: e.url,
        sha256: rec?.sha256 ?? e.sha256,
        verified: e.verified || rec !== undefined,
        source: isBundled ? 'bundled' : 'catalogue',
        installed: isBundled || rec !== undefined,
        bundled: isBundled,
        selected: selected === e.id && (isBundled || rec !== undefined),
        path: filePath,
        supported: supported(e.architecture),
        fit: fit(e.ramBytes, machine),
        partialBytes: isBundled || rec ? 0 : await partial(e.file),
        downloading: this.jobs.get(e.file)?.last ?? null,
      });
    }
    for (const m of installed) {
      if (rows.some((r) => r.id === m.id)) continue;
      const ramBytes = ramNeeded({ fileBytes: m.sizeBytes, ...m });
      rows.push({
        id: m.id,
        name: m.name,
        architecture: m.architecture,
        quantization: m.quantization,
        sizeBytes: m.sizeBytes,
        contextLength: m.contextLength ?? null,
        ramBytes,
        licence: null,
        url: m.url ?? null,
        sha256: m.sha256,
        verified: true,
        source: m.source,
        installed: true,
        bundled: false,
        selected: selected === m.id,
        path: path.join(this.o.modelsDir, m.file),
        supported: supported(m.architecture),
        fit: fit(ramBytes, machine),
        partialBytes: 0,
        downloading: null,
      });
    }
    return rows;
  }

  // ---- downloadModel ----

  /**
   * Downloads a catalogue model (by id) or any GGUF ({url, sha256?, sizeBytes?, name?}) into modelsDir.
   * A second call for the same file while one runs joins it (same result, its own progress events and
   * its own cancel: the download stops when every caller has cancelled). An installed model resolves at
   * once without downloading.
   */
  async downloadModel(idOrSpec: string | DownloadSpec, opts: DownloadModelOptions = {}): Promise<InstalledModel> {
    const entry = this.resolveEntry(idOrSpec);
    const done = (await this.installed()).find((m) => m.id === entry.id);
    if (done) return done;
    const bundled = await this.bundledPresent();
    if (bundled && bundled.id === entry.id) {
      throw modelError('bad-spec', `${entry.name} comes with Samsara and is already installed.`);
    }
    if (entry.architecture !== 'unknown' && !(SUPPORTED_ARCHITECTURES as readonly string[]).includes(entry.architecture)) {
      throw modelError(
        'unsupported-architecture',
        `${entry.name} is a ${entry.architecture} model; this version of Samsara runs ${SUPPORTED_ARCHITECTURES.join(', ')} models.`,
      );
    }
    if (opts.signal?.aborted) throw modelError('cancelled', `The download of ${entry.name} was cancelled.`);

    let job = this.jobs.get(entry.file);
    if (!job) job = this.startJob(entry);
    const j = job;
    j.callers++;
    if (opts.onProgress) j.listeners.add(opts.onProgress);
    return new Promise<InstalledModel>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        if (opts.onProgress) j.listeners.delete(opts.onProgress);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        if (settled) return;
        settled = true;
        leave();
        const err = modelError('cancelled', `The download of ${entry.name} was cancelled.`);
        if (--j.callers > 0) return reject(err);
        // The last caller: stop the download and answer once its .part is gone.
        j.controller.abort();
        j.promise.then(
          () => reject(err),
          () => reject(err),
        );
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      j.promise.then(
        (m) => {
          if (settled) return;
          settled = true;
          leave();
          resolve(m);
        },
        (e) => {
          if (settled) return;
          settled = true;
          leave();
          reject(e);
        },
      );
    });
  }

  private resolveEntry(idOrSpec: string | DownloadSpec): CatalogueEntry {
    if (typeof idOrSpec === 'string') {
      const e = this.catalogue().find((x) => x.id === idOrSpec);
      if (!e) throw modelError('unknown-model', `There is no model "${idOrSpec.slice(0, 100)}" in the catalogue.`);
      return e;
    }
    const e = entryFromSpec(idOrSpec, { allowHttp: this.o.allowHttp ?? false });
    // A spec for a catalogue model's file is that model (its id, name and facts).
    return this.catalogue().find((x) => x.file === e.file && x.url === e.url) ?? e;
  }

  private startJob(entry: CatalogueEntry): Job {
    const controller = new AbortController();
    const job: Job = { promise: undefined as unknown as Promise<InstalledModel>, controller, listeners: new Set(), callers: 0, last: null };
    let header: GgufHeader | undefined;
    job.promise = (async () => {
      const got = await downloadFile(
        { url: entry.url, file: entry.file, sizeBytes: entry.sizeBytes, sha256: entry.sha256, name: entry.name },
        {
          dir: this.o.modelsDir,
          signal: controller.signal,
          ...this.o.download,
          onProgress: (p) => {
            job.last = p;
            for (const l of job.listeners) l(p);
          },
          verify: async (part) => {
            header = await this.checkFile(part, entry.name);
          },
        },
      );
      const rec: InstalledModel = {
        id: entry.id,
        name: entry.name,
        file: entry.file,
        sizeBytes: got.sizeBytes,
        sha256: got.sha256,
        architecture: header!.architecture,
        quantization: entry.quantization !== 'unknown' ? entry.quantization : header!.quantization,
        ...shape(header!),
        source: 'download',
        url: entry.url,
        addedAt: new Date().toISOString(),
      };
      await this.updateState((s) => {
        s.installed = [...s.installed.filter((m) => m.id !== rec.id), rec];
      }).catch((e) => {
        throw modelError('io', `${entry.name} was downloaded but the model list in ${this.o.modelsDir} could not be saved (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
      });
      return rec;
    })();
    this.jobs.set(entry.file, job);
    void job.promise.then(
      () => this.jobs.delete(entry.file),
      () => this.jobs.delete(entry.file),
    );
    return job;
  }

  /** The GGUF checks shared by downloads and added files; the header when the file is acceptable. */
  private async checkFile(file: string, label: string): Promise<GgufHeader> {
    let h: GgufHeader;
    try {
      h = await readGgufHeader(file);
    } catch (e) {
      if (e instanceof GgufError) throw modelError('not-gguf', `${label} is not a usable model file: ${e.message}.`);
      throw modelError('io', `${label} could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
    if (!(SUPPORTED_ARCHITECTURES as readonly string[]).includes(h.architecture)) {
      throw modelError(
        'unsupported-architecture',
        `${label} is a ${JSON.stringify(h.architecture).slice(0, 60)} model; Samsara runs ${SUPPORTED_ARCHITECTURES.join(', ')} models.`,
      );
    }
    if (h.unsupportedTensor) {
      throw modelError(
        'unsupported-quantization',
        `${label} has tensor ${h.unsupportedTensor.name.slice(0, 100)} in ${h.unsupportedTensor.type}; Samsara reads ${SUPPORTED_TENSOR_TYPES.join(', ')}.`,
      );
    }
    return h;
  }

  // ---- addModelFile ----

  /** Checks a GGUF file's header and architecture, then copies it into modelsDir (same name, or -2 …). */
  async addModelFile(source: string): Promise<InstalledModel> {
    const label = plainName(String(source));
    const s = await stat(source).catch(() => null);
    if (!s?.isFile()) throw modelError('bad-spec', `${label} was not found or is not a file.`);
    const header = await this.checkFile(source, label);
    await mkdir(this.o.modelsDir, { recursive: true });
    await checkSpace(this.o.modelsDir, s.size, label, { statfs: this.o.download?.io?.statfs ?? statfs });

    const installed = await this.installed();
    const taken = new Set([...installed.map((m) => m.file.toLowerCase()), ...this.catalogue().map((e) => e.file.toLowerCase())]);
    const ids = new Set([...installed.map((m) => m.id), ...this.catalogue().map((e) => e.id)]);
    const base = /\.gguf$/i.test(label) && isModelFileName(label) ? label.replace(/\.gguf$/i, '') : label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'model';
    let file = `${base}.gguf`;
    for (let n = 2; taken.has(file.toLowerCase()) || this.jobs.has(file); n++) file = `${base}-${n}.gguf`;
    let id = file.replace(/\.gguf$/i, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '').slice(0, 90) || 'model';
    for (let n = 2; ids.has(id); n++) id = `${id.replace(/-\d+$/, '')}-${n}`;

    const part = partPath(this.o.modelsDir, file);
    const hash = createHash('sha256');
    try {
      await pipeline(
        createReadStream(source),
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            cb(null, chunk);
          },
        }),
        createWriteStream(part),
      );
      await rename(part, path.join(this.o.modelsDir, file));
    } catch (e) {
      await rm(part, { force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') throw modelError('disk-full', `The disk is full: ${label} could not be copied to ${this.o.modelsDir}.`);
      throw modelError('io', `${label} could not be copied to ${this.o.modelsDir} (${code ?? (e as Error).message}).`);
    }
    const rec: InstalledModel = {
      id,
      name: header.name?.slice(0, 200) || base,
      file,
      sizeBytes: s.size,
      sha256: hash.digest('hex'),
      architecture: header.architecture,
      quantization: header.quantization,
      ...shape(header),
      source: 'file',
      addedAt: new Date().toISOString(),
    };
    await this.updateState((st) => {
      st.installed = [...st.installed.filter((m) => m.id !== id), rec];
    });
    return rec;
  }

  // ---- removeModel ----

  /** Removes a downloaded or added model; refuses the bundled one and the one in use. */
  async removeModel(id: string): Promise<void> {
    const b = this.bundledEntry();
    if (b && b.id === id) throw modelError('bundled', `${b.name} comes with Samsara and can't be removed.`);
    const rec = (await this.readState()).installed.find((m) => m.id === id);
    if (!rec) {
      const known = this.catalogue().find((e) => e.id === id);
      throw modelError('unknown-model', known ? `${known.name} is not installed.` : `There is no installed model "${String(id).slice(0, 100)}".`);
    }
    const inUse = this.o.inUse ? this.o.inUse() : await this.selectedId();
    if (inUse === id) throw modelError('in-use', `${rec.name} is the model in use: select another model first.`);
    if (this.jobs.has(rec.file)) throw modelError('in-use', `${rec.name} is being downloaded: cancel the download first.`);
    await this.updateState(async (s) => {
      s.installed = s.installed.filter((m) => m.id !== id);
      if (s.selected === id) delete s.selected;
      await rm(path.join(this.o.modelsDir, rec.file), { force: true });
      await rm(partPath(this.o.modelsDir, rec.file), { force: true });
    });
  }

  // ---- selectModel (the choice only: main switches the engine) ----

  /** Remembers the choice in models.json and returns the model's file; the engine switch is main's. */
  async selectModel(id: string): Promise<SelectedModel> {
    const file = await this.modelPath(id);
    if (!file) {
      const known = this.catalogue().find((e) => e.id === id);
      throw modelError('unknown-model', known ? `${known.name} is not installed: download it first.` : `There is no installed model "${String(id).slice(0, 100)}".`);
    }
    await this.updateState((s) => {
      s.selected = id;
    });
    return { id, path: file };
  }

  /** The persisted choice (else the bundled default) and its file; undefined when neither is present. */
  async selected(): Promise<SelectedModel | undefined> {
    const id = await this.selectedId();
    const file = id ? await this.modelPath(id) : undefined;
    if (id && file) return { id, path: file };
    const b = await this.bundledPresent();
    return b ? { id: b.id, path: path.join(this.o.bundledDir!, b.file) } : undefined;
  }
}

function shape(h: GgufHeader): Pick<InstalledModel, 'contextLength' | 'layers' | 'kvHeads' | 'headDim'> {
  const out: Pick<InstalledModel, 'contextLength' | 'layers' | 'kvHeads' | 'headDim'> = {};
  if (h.contextLength) out.contextLength = h.contextLength;
  if (h.layers) out.layers = h.layers;
  if (h.kvHeads) out.kvHeads = h.kvHeads;
  if (h.headDim) out.headDim = h.headDim;
  return out;
}

export { ModelError, formatBytes };
