// Automatic updates (Settings → Updates): the policy around electron-updater. In the installed app
// main hands in electron-updater's autoUpdater (the GitHub provider of app-update.yml, which
// electron-builder writes from the publish config); tests hand in a real NsisUpdater pointed at a local
// server. No Electron import here, so the whole policy runs in plain Node.
//
// The policy: check once the window shows and then at most once a day (the last check is kept in
// <userData>/updates.json with the setting), download in the background, install when Samsara quits,
// never a downgrade or a pre-release. With the setting off nothing is checked, downloaded or installed.
import { readFile } from 'node:fs/promises';
import type { AppUpdater } from 'electron-updater';
import { writeFileAtomic } from './atomic-file';
import type { UpdateState, UpdateStatus, UpdatesPatch } from '../preload/updates';
import type { Logger } from './log';

export const UPDATES_FILE = 'updates.json';
/** The least time between two checks. */
export const CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** The part of electron-updater's updater the policy uses. */
export type Updater = Pick<
  AppUpdater,
  'autoDownload' | 'autoInstallOnAppQuit' | 'allowDowngrade' | 'allowPrerelease' | 'logger' | 'checkForUpdates' | 'on'
>;

/** What updates.json holds. */
interface Saved {
  auto: boolean;
  /** When the last check started (ms since the epoch). */
  lastCheck?: number;
}

export interface UpdatesOptions {
  /** electron-updater's updater; null when this is not the installed app (the state is then 'unavailable'). */
  updater: Updater | null;
  /** <userData>/updates.json */
  file: string;
  currentVersion: string;
  log: Logger;
  /** The clock (tests move it). */
  now?: () => number;
}

/** A setting that could not be saved: the message is for the student. */
export class UpdatesError extends Error {
  readonly code = 'ENGINE_ACTION_FAILED';
}

/** The settings file's contents, field by field; anything unreadable is the default. */
export function parseSaved(text: string): Saved {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { auto: true };
  }
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const lastCheck = v.lastCheck;
  return {
    auto: typeof v.auto === 'boolean' ? v.auto : true,
    ...(typeof lastCheck === 'number' && Number.isFinite(lastCheck) ? { lastCheck } : {}),
  };
}

/** electron-updater's error code (ERR_UPDATER_INVALID_SIGNATURE, ERR_CHECKSUM_MISMATCH, HTTP_ERROR_404, …), when it has one. */
function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code) ? code : undefined;
}

export class Updates {
  private readonly updater: Updater | null;
  private readonly file: string;
  private readonly currentVersion: string;
  private readonly log: Logger;
  private readonly now: () => number;
  private saved: Saved = { auto: true };
  private loaded: Promise<void> | null = null;
  private state: UpdateState;
  private version: string | undefined;
  private message: string | undefined;
  /** The version downloaded in this session (installed on quit while the setting is on). */
  private downloaded: string | undefined;
  private running: Promise<void> | null = null;
  private cancelDownload: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: UpdatesOptions) {
    this.updater = options.updater;
    this.file = options.file;
    this.currentVersion = options.currentVersion;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.state = this.updater ? 'idle' : 'unavailable';
    if (this.updater) this.configure(this.updater);
  }

  private configure(u: Updater): void {
    u.autoDownload = true;
    u.autoInstallOnAppQuit = true;
    u.allowDowngrade = false;
    u.allowPrerelease = false;
    // Its lines carry addresses and paths; ours (below) carry states, versions and codes.
    u.logger = null;
    // While the setting is off the state stays 'off' (a check already running may still answer).
    const on = () => this.saved.auto;
    u.on('checking-for-update', () => on() && this.to('checking'));
    u.on('update-available', (info) => on() && this.to('downloading', info.version));
    u.on('update-not-available', () => on() && this.to('up-to-date'));
    u.on('update-downloaded', (event) => {
      this.downloaded = event.version;
      if (on()) this.to('ready', event.version);
    });
    u.on('error', (e) => on() && this.fail(e));
  }

  /**
   * At start-up, once the window shows: reads the setting and checks when it is on and a day has
   * passed since the last check (then again a day later, while Samsara runs). Resolves when that
   * check, and the download it started, are over.
   */
  async start(): Promise<void> {
    await this.load();
    await this.schedule();
  }

  /** Stops the daily timer (quit, tests). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  async get(): Promise<UpdateStatus> {
    await this.load();
    return {
      auto: this.saved.auto,
      state: this.state,
      currentVersion: this.currentVersion,
      ...(this.version ? { version: this.version } : {}),
      message: this.message ?? this.describe(),
    };
  }

  /** Turns automatic updates on or off (kept in updates.json); off also keeps a downloaded update from installing. */
  async set(patch: UpdatesPatch): Promise<UpdateStatus> {
    await this.load();
    const previous = this.saved;
    this.saved = { ...this.saved, auto: patch.auto };
    try {
      await this.save();
    } catch {
      this.saved = previous;
      throw new UpdatesError('The update setting could not be saved. Check that your user folder has free space, then try again.');
    }
    const u = this.updater;
    if (u) {
      u.autoInstallOnAppQuit = patch.auto;
      if (!patch.auto) {
        this.stop();
        this.cancelDownload?.();
        this.to('off');
      } else if (this.state === 'off') {
        if (this.downloaded) this.to('ready', this.downloaded);
        else this.to('idle');
        void this.schedule();
      }
    }
    return this.get();
  }

  private load(): Promise<void> {
    this.loaded ??= (async () => {
      let text = '';
      try {
        text = await readFile(this.file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log({ event: 'app.error', where: 'updates-file' });
      }
      this.saved = text ? parseSaved(text) : { auto: true };
      if (this.updater) {
        this.updater.autoInstallOnAppQuit = this.saved.auto;
        if (!this.saved.auto) this.state = 'off';
      }
    })();
    return this.loaded;
  }

  private save(): Promise<void> {
    return writeFileAtomic(this.file, `${JSON.stringify(this.saved)}\n`);
  }

  /** Checks now when a day has passed since the last check, else sets a timer for when it will have. */
  private async schedule(): Promise<void> {
    this.stop();
    // A check already running (the setting was just turned on) counts as today's.
    if (this.running) await this.running;
    if (!this.updater || !this.saved.auto || this.downloaded) return;
    const since = this.saved.lastCheck === undefined ? Infinity : this.now() - this.saved.lastCheck;
    // A last check "in the future" (the clock was set back) does not hold checks off.
    if (since >= 0 && since < CHECK_INTERVAL_MS) {
      this.stop();
      this.timer = setTimeout(() => void this.schedule(), CHECK_INTERVAL_MS - since);
      this.timer.unref();
      return;
    }
    await this.check();
    await this.schedule();
  }

  private check(): Promise<void> {
    const u = this.updater;
    if (!u) return Promise.resolve();
    this.running ??= (async () => {
      this.saved = { ...this.saved, lastCheck: this.now() };
      await this.save().catch(() => this.log({ event: 'app.error', where: 'updates-file' }));
      this.to('checking');
      try {
        const r = await u.checkForUpdates();
        // null: the updater thinks this is not the installed app.
        if (r === null) this.to('unavailable');
        const token = r?.cancellationToken;
        this.cancelDownload = token ? () => token.cancel() : undefined;
        await r?.downloadPromise;
      } catch (e) {
        // The 'error' event has usually said it already; a cancelled download (setting off) needs nothing.
        if (this.saved.auto && this.state !== 'error') this.fail(e);
      } finally {
        this.cancelDownload = undefined;
        this.running = null;
      }
    })();
    return this.running;
  }

  private to(state: UpdateState, version?: string, message?: string, code?: string): void {
    const same = this.state === state && this.version === version && this.message === message;
    this.state = state;
    this.version = version;
    this.message = message;
    if (!same) this.log({ event: 'update', state, ...(version ? { version } : {}), ...(code ? { code } : {}) });
  }

  private fail(e: unknown): void {
    const code = codeOf(e);
    // A failed download keeps the version it was about.
    const version = this.state === 'downloading' ? this.version : undefined;
    const later = 'Samsara will try again later.';
    let message: string;
    if (code === 'ERR_UPDATER_INVALID_SIGNATURE') {
      message = `Version ${version ?? 'found'} was not installed: it is not signed by Samsara’s publisher. ${later}`;
    } else if (code === 'ERR_CHECKSUM_MISMATCH') {
      message = `Version ${version ?? 'found'} was not installed: the download did not match its checksum. ${later}`;
    } else if (version) {
      message = `Version ${version} could not be downloaded. ${later}`;
    } else {
      message = `Samsara could not check for updates (no connection, or the update server did not answer). ${later}`;
    }
    this.to('error', version, message, code);
  }

  /** The message of a state that needs no detail. */
  private describe(): string {
    switch (this.state) {
      case 'off':
        return 'Automatic updates are off: Samsara does not look for new versions.';
      case 'idle':
        return 'Samsara looks for a new version when it starts, at most once a day.';
      case 'checking':
        return 'Looking for a new version…';
      case 'downloading':
        return `Downloading version ${this.version ?? ''}…`;
      case 'ready':
        return `Version ${this.version ?? ''} will be installed when you quit Samsara.`;
      case 'up-to-date':
        return `Samsara ${this.currentVersion} is the latest version.`;
      case 'error':
        return 'Samsara could not check for updates. Samsara will try again later.';
      case 'unavailable':
        return 'Updates are checked in the installed app only.';
    }
  }
}
