// Types for scripts/lib/models.js (CommonJS), so TypeScript tests and scripts can import it.
export interface ModelEntry {
  id: string;
  file: string;
  architecture: string;
  extra?: boolean;
  sizeBytes?: number;
  sha256: string;
  packages: string[];
  parts: string[];
}
export interface Manifest {
  default: string;
  models: ModelEntry[];
}
export const ROOT: string;
export const MANIFEST: string;
export function manifest(): Manifest;
export function modelsDir(): string;
export function models(): ModelEntry[];
/** The entry whose id is `key`, else the only one whose architecture is `key`; throws otherwise. */
export function model(key: string): ModelEntry;
export function modelPath(key: string): string;
export function defaultModel(): ModelEntry;
export function defaultModelPath(): string;
/** A skip reason when the model's file is missing, else false. */
export function absent(key: string): string | false;
