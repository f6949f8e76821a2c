// The request limits main enforces before anything reaches the engine, and the renderer shows up front
// (the essay's counter, the chat box, the assignment field). A copy of the addon's `LIMITS`
// (native/index.js, from Rust's requests.rs), not an import: main must not load the addon when its
// modules load (electron/main.ts scrubs SAMSARA_* first, then requires it from its path), and the
// renderer can't load it at all. tests/service/limits.test.ts fails when a number here differs from the
// addon's for the same key. Characters are UTF-16 code units, like JavaScript's string.length. Pure
// constants (no imports): electron/, preload/ and renderer/ all use this one list.
export const LIMITS = {
  text: 100_000,
  message: 8_000,
  instruction: 2_000,
  fileId: 200,
  comments: 200,
  /** main's own (no engine key): the renderer's name for a request. */
  ticket: 100,
  /** A comment's source and rule. */
  label: 64,
  /** Suggestions per comment (each at most `message` characters). */
  suggestions: 10,
  /** A personal-dictionary word. */
  word: 64,
} as const;

/** The numeric settings' ranges (the store and main check them too; threads go up to the CPU's cores). */
export const SETTING_RANGES = {
  fontSize: { min: 12, max: 28, default: 16 },
  threads: { min: 1, default: 1 },
} as const;
