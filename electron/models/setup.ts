// The model manager as the app sets it up: downloaded and added models in <userData>/models, the
// bundled default and the catalogue from the app's models/ folder (resources/models when packaged).
// Main and the test harness both build theirs here. No Electron import.
//
// In development only, $SAMSARA_MODEL_CATALOGUE names another catalogue file (a JSON array of entries,
// or a manifest with a `catalogue` key, checked like the manifest's but with http:// addresses allowed):
// the end-to-end tests list models served by a local HTTP server on 127.0.0.1 this way. A packaged app
// ignores it, as it ignores every SAMSARA_* variable (startup.ts).
import { readFileSync } from 'node:fs';
import { parseCatalogue, type CatalogueEntry } from './catalogue';
import { modelError } from './errors';
import { ModelManager } from './manager';

export const CATALOGUE_ENV = 'SAMSARA_MODEL_CATALOGUE';

export interface AppModelsOptions {
  /** <userData>/models (electron/paths.ts userModelsDir). */
  userModelsDir: string;
  /** The app's models/ folder with manifest.json and the bundled model (electron/paths.ts modelsDir). */
  bundledDir: string;
  env: NodeJS.ProcessEnv;
  isPackaged: boolean;
}

export function appModelManager(o: AppModelsOptions): ModelManager {
  const file = o.isPackaged ? undefined : o.env[CATALOGUE_ENV]?.trim();
  return new ModelManager({ modelsDir: o.userModelsDir, bundledDir: o.bundledDir, ...(file ? { catalogue: readCatalogueFile(file) } : {}) });
}

/** A catalogue file named by $SAMSARA_MODEL_CATALOGUE (development and tests). */
export function readCatalogueFile(file: string): CatalogueEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw modelError('io', `The model catalogue ${file} ($${CATALOGUE_ENV}) could not be read (${(e as Error).message}).`);
  }
  const raw = Array.isArray(json) ? json : (json as { catalogue?: unknown } | null)?.catalogue;
  return parseCatalogue(raw, { allowHttp: true });
}
