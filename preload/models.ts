// The model manager's part of the contract (window.api.listModels … selectModel): pure types, the one
// definition. electron/models/ implements them in main (and in plain Node); the renderer shows them.
// No Node or Electron imports here: the renderer's tsconfig compiles this file without Node's types.

export type ModelSource = 'bundled' | 'catalogue' | 'download' | 'file';

export type FitLevel = 'fits' | 'tight' | 'too-big';
/** Will the model run well on this computer (from its memory need, the RAM and the cores): the level and why. */
export interface Fit {
  level: FitLevel;
  reason: string;
}

/** One progress event of a download (at most one per 200 ms, and the last one always). */
export interface DownloadProgress {
  bytes: number;
  /** null while the size is unknown. */
  total: number | null;
  bytesPerSecond: number;
  /** null while it can't be estimated. */
  etaSeconds: number | null;
}

/** One row of listModels(). */
export interface ModelListing {
  id: string;
  name: string;
  architecture: string;
  quantization: string;
  sizeBytes: number;
  contextLength: number | null;
  ramBytes: number;
  licence: string | null;
  url: string | null;
  sha256: string | null;
  /** The hash was computed on the file, by us (catalogue) or when it was installed here. */
  verified: boolean;
  source: ModelSource;
  installed: boolean;
  bundled: boolean;
  selected: boolean;
  /** Where the file is, when installed. */
  path: string | null;
  /** The engine reads this architecture. */
  supported: boolean;
  fit: Fit;
  /** Bytes already in a .part that the next downloadModel continues from (not while downloading). */
  partialBytes: number;
  /** Set while a download of it runs. */
  downloading: DownloadProgress | null;
}

/** A model downloaded or added on this computer (what downloadModel and addModelFile answer). */
export interface InstalledModel {
  id: string;
  name: string;
  file: string;
  sizeBytes: number;
  sha256: string;
  architecture: string;
  quantization: string;
  contextLength?: number;
  layers?: number;
  kvHeads?: number;
  headDim?: number;
  source: 'download' | 'file';
  url?: string;
  addedAt: string;
}

/** What downloadModel accepts besides a catalogue id: any GGUF by its https address. */
export interface DownloadSpec {
  url: string;
  sha256?: string;
  sizeBytes?: number;
  name?: string;
}

/** selectModel's answer: the model the engine now loads, and its file. */
export interface SelectedModel {
  id: string;
  path: string;
}
