// Where the app finds its files: development runs from the repository, a packaged app from resources/.
import path from 'node:path';

export const DEFAULT_MODEL_FILE = 'SmolLM2-135M-Instruct.Q4_1.gguf';

export interface AppLocation {
  env: NodeJS.ProcessEnv;
  isPackaged: boolean;
  /** process.resourcesPath (the packaged app's resources/ folder). */
  resourcesPath: string;
  /** app.getAppPath(): the repository in development, resources/app.asar when packaged. */
  appPath: string;
}

/** $SAMSARA_MODEL, else the default model: models/ in development, resources/models/ when packaged. */
export function resolveModelPath(at: AppLocation): string {
  const fromEnv = at.env.SAMSARA_MODEL?.trim();
  if (fromEnv) return path.resolve(fromEnv);
  const dir = at.isPackaged ? path.join(at.resourcesPath, 'models') : path.join(at.appPath, 'models');
  return path.join(dir, DEFAULT_MODEL_FILE);
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
