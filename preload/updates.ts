// Settings → Updates (window.api.getUpdates / setUpdates): pure types, the one definition.
// electron/updates.ts implements them in main (and in plain Node); the renderer shows them. No Node or
// Electron imports here: the renderer's tsconfig compiles this file without Node's types.

/**
 * Where the updater is: 'off' (the student turned automatic updates off), 'idle' (on, nothing checked
 * yet in this session), 'checking', 'downloading', 'ready' (downloaded; installed when Samsara quits),
 * 'up-to-date', 'error' (the check or the download failed, or the update was refused), 'unavailable'
 * (not the installed app: development, the test harness).
 */
export type UpdateState = 'off' | 'idle' | 'checking' | 'downloading' | 'ready' | 'up-to-date' | 'error' | 'unavailable';

/** getUpdates' and setUpdates' answer. */
export interface UpdateStatus {
  /** Whether Samsara checks, downloads and installs updates by itself (the setting; default true). */
  auto: boolean;
  state: UpdateState;
  /** The version running now. */
  currentVersion: string;
  /** The version found, downloading or ready. */
  version?: string;
  /** What is happening, in plain words for the Settings page (main words every state). */
  message: string;
}

/** setUpdates' argument. */
export interface UpdatesPatch {
  auto: boolean;
}
