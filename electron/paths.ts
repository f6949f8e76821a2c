// Where the app finds its files: development runs from the repository, a packaged app from resources/.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface AppLocation {
  env: NodeJS.ProcessEnv;
  isPackaged: boolean;
  /** process.resourcesPath (the packaged app's resources/ folder). */
  resourcesPath: string;
  /** app.getAppPath(): the repository in development, resources/app.asar when packaged. */
  appPath: string;
}

/** models/ in development, resources/models/ when packaged (electron-builder's extraResources). */
export function modelsDir(at: Pick<AppLocation, 'isPackaged' | 'resourcesPath' | 'appPath'>): string {
  return at.isPackaged ? path.join(at.resourcesPath, 'models') : path.join(at.appPath, 'models');
}

/**
 * The default model's file name, from a models/manifest.json: its `default` id → that model's `file`.
 * The manifest is the one list of models (fetch-models.js reads it too), so the name is never repeated
 * in code. Throws with the manifest's path when it is missing or malformed.
 */
export function defaultModelFile(manifestFile: string): string {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (e) {
    throw new Error(`The model list ${manifestFile} could not be read (${(e as Error).message}).`);
  }
  const m = manifest as { default?: unknown; models?: unknown };
  const models = Array.isArray(m.models) ? (m.models as Array<{ id?: unknown; file?: unknown }>) : [];
  const file = models.find((x) => typeof m.default === 'string' && x?.id === m.default)?.file;
  // A bare .gguf name: the manifest must not point outside the models folder.
  if (typeof file !== 'string' || file !== path.basename(file) || !file.endsWith('.gguf')) {
    throw new Error(`The model list ${manifestFile} names no default model file.`);
  }
  return file;
}

/**
 * The model file: the manifest's default model in modelsDir(). In development $SAMSARA_MODEL overrides
 * it; a packaged app ignores the environment (see startup.ts). `readDefault` gets the manifest's path.
 */
export function resolveModelPath(at: AppLocation, readDefault: (manifestFile: string) => string = defaultModelFile): string {
  const fromEnv = modelFromEnv(at);
  if (fromEnv) return path.resolve(fromEnv);
  const dir = modelsDir(at);
  return path.join(dir, readDefault(path.join(dir, 'manifest.json')));
}

/** $SAMSARA_MODEL in development (it then wins over the model chosen in Settings); never when packaged. */
export function modelFromEnv(at: Pick<AppLocation, 'env' | 'isPackaged'>): string | undefined {
  return (at.isPackaged ? undefined : at.env.SAMSARA_MODEL?.trim()) || undefined;
}

/** Downloaded and added models (the model manager's folder): <userData>/models. */
export function userModelsDir(userData: string): string {
  return path.join(userData, 'models');
}

/** The history file: <userData>/samsara.db; in development $SAMSARA_STORE overrides it. */
export function resolveStorePath(at: AppLocation, userData: string): string {
  const fromEnv = at.isPackaged ? undefined : at.env.SAMSARA_STORE?.trim();
  return fromEnv ? path.resolve(fromEnv) : path.join(userData, 'samsara.db');
}

/** The addon's JS entry (native/index.js); in a packaged app its .node is unpacked from the asar. */
export function nativeEntry(at: AppLocation): string {
  return path.join(at.appPath, 'native', 'index.js');
}

/** The built renderer, preload and main (scripts/build-app.js writes them to dist/). */
export function distPaths(appPath: string) {
  const dist = path.join(appPath, 'dist');
  return {
    renderer: path.join(dist, 'renderer'),
    preload: path.join(dist, 'preload', 'preload.js'),
  };
}
