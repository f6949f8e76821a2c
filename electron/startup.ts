// Decisions main.ts makes before it creates anything: whether this process may start at all (debug
// switches, the single-instance lock) and which environment overrides a packaged app must drop. Pure
// functions over their inputs (no Electron import) so plain Node tests can check them.

/** Every override the project reads (main, native/index.js and the addon's Rust) starts with this. */
export const ENV_PREFIX = 'SAMSARA_';

/**
 * A packaged app takes no SAMSARA_* override: SAMSARA_NATIVE_PATH would load any .node into the main
 * process (undoing the RunAsNode/NODE_OPTIONS fuses), and the others would point the app at files the
 * user did not choose. Deletes them from `env` (process.env in main: that unsets the real environment,
 * which the addon's Rust reads too) and returns the names removed, never their values.
 */
export function scrubEnv(env: NodeJS.ProcessEnv, isPackaged: boolean): string[] {
  if (!isPackaged) return [];
  const removed = Object.keys(env).filter((k) => k.toUpperCase().startsWith(ENV_PREFIX));
  for (const k of removed) delete env[k];
  return removed;
}

/**
 * Switches that open the app to a debugger. The fuses disable Node's --inspect family, but
 * --remote-debugging-* are Chromium's and would expose the page (and the essays in it).
 */
export const DEBUG_SWITCHES = [
  'remote-debugging-port',
  'remote-debugging-pipe',
  'remote-debugging-address',
  'inspect',
  'inspect-brk',
  'inspect-port',
  'inspect-brk-node',
  'debug',
  'debug-brk',
] as const;

/**
 * The debug switches in argv (the executable at argv[0] is skipped). Chromium accepts `--name`,
 * `-name` and, on Windows, `/name`, each optionally `=value`, and stops reading switches at a lone `--`.
 */
export function debugSwitches(argv: readonly string[], platform: NodeJS.Platform): string[] {
  const found: string[] = [];
  for (const arg of argv.slice(1)) {
    if (arg === '--') break;
    const m = (platform === 'win32' ? /^(?:--?|\/)([^=]+)/ : /^--?([^=]+)/).exec(arg);
    const name = m?.[1]?.toLowerCase();
    if (name && (DEBUG_SWITCHES as readonly string[]).includes(name)) found.push(name);
  }
  return found;
}

export type StartDecision = { start: true } | { start: false; exitCode: number; message?: string };

/**
 * Whether this process goes on to create the app. A packaged app refuses debug switches (before
 * taking the lock, so a refused launch never disturbs the running one); then only the instance holding
 * the single-instance lock starts, the other exits at once (the first focuses its window).
 */
export function decideStart(i: {
  isPackaged: boolean;
  argv: readonly string[];
  platform: NodeJS.Platform;
  /** app.requestSingleInstanceLock: called only when nothing else refused the start. */
  requestLock: () => boolean;
}): StartDecision {
  if (i.isPackaged) {
    const refused = debugSwitches(i.argv, i.platform);
    if (refused.length > 0) {
      const list = [...new Set(refused)].map((s) => `--${s}`).join(', ');
      return { start: false, exitCode: 1, message: `Samsara: refusing to start with ${list} (debugging is not available in the installed app).\n` };
    }
  }
  if (!i.requestLock()) return { start: false, exitCode: 0 };
  return { start: true };
}
