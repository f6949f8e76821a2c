// The school server's settings (issue 19): which provider computes chat, the model's comments and
// summaries, kept in <userData>/provider.json and given to the engine (`configure({provider})`) at
// start-up and on every save. No Electron import: main passes Electron's safeStorage as `Secrets`; the
// test harness and the tests pass a stand-in, and plain Node runs this module.
//
// The API key is a secret. It reaches main once, typed into Settings (setProvider, or testProvider
// before saving), and never goes back to the page: getProvider says only whether there is one and where
// it is kept. In the file it is sealed with `Secrets` (the system's keychain, DPAPI or secret store);
// when this computer can't encrypt, it is kept in main's memory for this session only, and the page says
// so. It is never logged, and every error this module throws has it replaced (`redact`).
//
//   provider.json  { version: 1, kind, baseUrl, model, fallbackToLocal, timeoutMs?, apiKey?: { sealed: base64 } }
//
// written whole or not at all, owner-only (atomic-file.ts). A file that can't be read or parsed gives
// the local provider (logged, without its contents); the next save replaces it.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type * as Native from '../native/index';
import type { ErrorCode } from '../preload/api';
import type {
  KeyStorage,
  ProviderKind,
  ProviderPatch,
  ProviderSettings,
  ProviderTestInput,
  ProviderTestResult,
} from '../preload/provider';
import { writeFileAtomic } from './atomic-file';
import { errorCodeOf as codeOf } from './error-codes';
import type { Logger } from './log';

/** Exactly the shape of Electron's safeStorage that this module uses (main passes the real one). */
export interface Secrets {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** What the settings need of the engine: configure, and the model list of "Test connection". */
export type ProviderEngine = Pick<typeof Native, 'configure' | 'listProviderModels'>;

export const PROVIDER_FILE = 'provider.json';

/** "Test connection" waits at most this long unless the settings name another time limit. */
export const TEST_TIMEOUT_MS = 15_000;
/** The most model names testProvider answers (a server with thousands would flood the list). */
const MAX_MODELS = 500;
/** What replaces the key wherever it would show. */
const HIDDEN = '[the API key]';

/** An error of this module: a code and a message for the user, the key never in it. */
export class ProviderError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** The settings without the key. */
interface State {
  kind: ProviderKind;
  baseUrl: string;
  model: string;
  fallbackToLocal: boolean;
  timeoutMs?: number;
}

const DEFAULTS: State = { kind: 'local', baseUrl: '', model: '', fallbackToLocal: false };

/** The file as written (checked when read: anything else is "can't be parsed"). */
const fileSchema = z.object({
  version: z.literal(1),
  kind: z.enum(['local', 'openai-compatible']),
  baseUrl: z.string().max(2048),
  model: z.string().max(256),
  fallbackToLocal: z.boolean(),
  timeoutMs: z.number().int().min(100).max(600_000).optional(),
  apiKey: z.object({ sealed: z.string().min(1).max(64 * 1024) }).optional(),
});
type SavedFile = z.infer<typeof fileSchema>;


/** The engine's field names in its messages ("provider.baseUrl must be …"), said in words. */
const FIELD_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/\bprovider\.baseUrl\b/g, 'The server address'],
  [/\bprovider\.model\b/g, 'The model name'],
  [/\bprovider\.apiKey\b/g, 'the API key'],
  [/\bprovider\.timeoutMs\b/g, 'The time limit'],
  [/\bprovider\b/g, 'The school server settings'],
];

export interface ProviderStoreOptions {
  /** <userData>/provider.json */
  file: string;
  secrets: Secrets;
  engine: ProviderEngine;
  log: Logger;
}

/**
 * Electron's safeStorage as this module should see it: on Linux without a secret store (the "basic_text"
 * backend), safeStorage "encrypts" with a password written in Chromium's source, which protects nothing,
 * so that counts as no encryption (the key is then kept for the session only).
 */
export function systemSecrets(s: Secrets & { getSelectedStorageBackend?: () => string }, platform: NodeJS.Platform): Secrets {
  return {
    isEncryptionAvailable: () => s.isEncryptionAvailable() && !(platform === 'linux' && s.getSelectedStorageBackend?.() === 'basic_text'),
    encryptString: (plainText) => s.encryptString(plainText),
    decryptString: (encrypted) => s.decryptString(encrypted),
  };
}

/** The native module as a ProviderEngine. */
export function providerEngineOf(native: Pick<typeof Native, 'configure' | 'listProviderModels'>): ProviderEngine {
  return { configure: (config) => native.configure(config), listProviderModels: (query) => native.listProviderModels(query) };
}

export class ProviderStore {
  private state: State = { ...DEFAULTS };
  /** The key in plain text: main's memory only. */
  private key: string | undefined;
  /** The key as sealed in the file (kept even when it can't be opened now, so a save doesn't lose it). */
  private sealed: string | undefined;
  private keyStorage: KeyStorage = 'none';
  private canEncrypt = false;
  private loading: Promise<void> | undefined;
  /** setProvider calls, one at a time (each reads what the one before it wrote). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: ProviderStoreOptions) {}

  /**
   * At start-up (main: after the app is ready, since safeStorage can't decrypt before; before the
   * warm-up): reads the file, opens the key, and gives the engine the provider. Never throws: a file that
   * can't be read or parsed, or a provider the engine refuses, leaves the local provider (logged).
   */
  load(): Promise<void> {
    this.loading ??= this.read();
    return this.loading;
  }

  /**
   * Whether this computer's model may answer: the local provider, or a school server with the fallback
   * on. Without it, the start-up warm-up doesn't load the model (its memory stays free).
   */
  needsLocalModel(): boolean {
    return this.state.kind === 'local' || this.state.fallbackToLocal;
  }

  /** The settings as the page may see them (never the key). */
  async get(): Promise<ProviderSettings> {
    await this.load();
    return this.view();
  }

  /**
   * Saves a change: validated here and by the engine first, so a change the engine refuses changes
   * nothing (settings, key, file). Then written to the file; a failed write puts the engine back.
   */
  set(patch: ProviderPatch): Promise<ProviderSettings> {
    const run = this.queue.then(() => this.apply(patch));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * "Test connection": the models the server at `baseUrl` lists, asked with the key typed, else the saved
   * key — only when `baseUrl` is on the saved server (same scheme, host and port), so that a key is never
   * sent to a server it wasn't saved for. Saves nothing.
   */
  async test(input: ProviderTestInput): Promise<ProviderTestResult> {
    await this.load();
    const baseUrl = input.baseUrl.trim();
    const key = input.apiKey ?? (sameServer(baseUrl, this.state.baseUrl) ? this.key : undefined);
    const secrets = [input.apiKey, this.key];
    let names: unknown;
    try {
      names = await this.o.engine.listProviderModels({
        kind: 'openai-compatible',
        baseUrl,
        ...(key ? { apiKey: key } : {}),
        timeoutMs: this.state.timeoutMs ?? TEST_TIMEOUT_MS,
      });
    } catch (e) {
      throw this.failure(e, secrets);
    }
    if (!Array.isArray(names)) throw new ProviderError('ENGINE_INVALID_RESPONSE', 'The server did not answer with a list of models.');
    const models = [
      ...new Set(
        names.filter((n): n is string => typeof n === 'string' && n.trim() !== '' && n.length <= 256 && !secrets.some((s) => s && n.includes(s))),
      ),
    ].slice(0, MAX_MODELS);
    return { models };
  }

  /** `message` with the saved key (and `typed`, a key that came with a request) replaced. */
  redact(message: string, typed?: string): string {
    return ProviderStore.redactAll(message, [typed, this.key]);
  }

  /** `message` with every secret in it replaced. */
  static redactAll(message: string, secrets: ReadonlyArray<string | undefined>): string {
    let out = message;
    for (const s of secrets) {
      if (!s) continue;
      for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join(HIDDEN);
    }
    return out;
  }

  // ---- inside ----------------------------------------------------------------------------------------

  private view(): ProviderSettings {
    const s = this.state;
    return {
      kind: s.kind,
      baseUrl: s.baseUrl,
      model: s.model,
      fallbackToLocal: s.fallbackToLocal,
      ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
      hasKey: this.key !== undefined,
      keyStorage: this.key === undefined ? 'none' : this.keyStorage,
      encryptionAvailable: this.canEncrypt,
    };
  }

  private async read(): Promise<void> {
    const started = performance.now();
    this.canEncrypt = this.encryptionAvailable();
    const saved = await this.readFile();
    if (saved) {
      this.state = {
        kind: saved.kind,
        baseUrl: saved.baseUrl,
        model: saved.model,
        fallbackToLocal: saved.fallbackToLocal,
        ...(saved.timeoutMs !== undefined ? { timeoutMs: saved.timeoutMs } : {}),
      };
      this.sealed = saved.apiKey?.sealed;
      if (this.sealed) this.open(this.sealed);
    }
    try {
      this.o.engine.configure({ provider: config(this.state, this.key) });
      this.logApplied('startup', started, 'ok');
    } catch (e) {
      // The engine refuses what the file holds (say, a later version checks more): the local model
      // answers; the settings stay as saved, for the student to correct.
      this.logApplied('startup', started, 'error', codeOf(e));
      try {
        this.o.engine.configure({ provider: { kind: 'local' } });
      } catch {
        // nothing else to fall back to
      }
      this.state = { ...this.state, kind: 'local' };
    }
  }

  /** The saved file, or undefined (missing: quietly; unreadable or damaged: logged, never its contents). */
  private async readFile(): Promise<SavedFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.o.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.o.log({ event: 'app.error', where: 'provider-settings-unreadable' });
      return undefined;
    }
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data;
    } catch {
      // not JSON: below
    }
    this.o.log({ event: 'app.error', where: 'provider-settings-damaged' });
    return undefined;
  }

  /** Opens the sealed key; one that can't be opened now stays sealed in the file (logged). */
  private open(sealed: string): void {
    if (!this.canEncrypt) {
      this.o.log({ event: 'app.error', where: 'provider-key-unavailable' });
      return;
    }
    try {
      this.key = this.o.secrets.decryptString(Buffer.from(sealed, 'base64'));
      this.keyStorage = 'encrypted';
    } catch {
      this.o.log({ event: 'app.error', where: 'provider-key-unreadable' });
    }
  }

  private encryptionAvailable(): boolean {
    try {
      return this.o.secrets.isEncryptionAvailable();
    } catch {
      return false;
    }
  }

  private async apply(patch: ProviderPatch): Promise<ProviderSettings> {
    await this.load();
    const started = performance.now();
    const next: State = {
      kind: patch.kind ?? this.state.kind,
      baseUrl: patch.baseUrl?.trim() ?? this.state.baseUrl,
      model: patch.model?.trim() ?? this.state.model,
      fallbackToLocal: patch.fallbackToLocal ?? this.state.fallbackToLocal,
      ...((patch.timeoutMs ?? this.state.timeoutMs) !== undefined ? { timeoutMs: patch.timeoutMs ?? this.state.timeoutMs } : {}),
    };
    const secrets = [patch.apiKey, this.key];
    if (next.kind === 'openai-compatible') {
      if (!next.baseUrl) throw new ProviderError('INVALID_REQUEST', "Enter the school server's address, for example https://llm.school.example/v1.");
      if (!next.model) throw new ProviderError('INVALID_REQUEST', 'Enter the name of the model on the school server (Test connection lists them).');
    }
    // The key after this change, and how it is kept.
    let key = this.key;
    let sealed = this.sealed;
    let storage = this.keyStorage;
    if (patch.clearKey) {
      key = undefined;
      sealed = undefined;
      storage = 'none';
    }
    if (patch.apiKey !== undefined) {
      key = patch.apiKey.trim();
      this.canEncrypt = this.encryptionAvailable();
      sealed = this.canEncrypt ? this.seal(key) : undefined;
      storage = sealed ? 'encrypted' : 'session';
    }
    // The engine checks the provider before anything is kept: a refusal changes nothing.
    try {
      this.o.engine.configure({ provider: config(next, key) });
    } catch (e) {
      this.logApplied('saved', started, 'error', codeOf(e));
      throw this.failure(e, secrets);
    }
    try {
      await this.write(next, sealed);
    } catch (e) {
      try {
        this.o.engine.configure({ provider: config(this.state, this.key) });
      } catch {
        // the previous provider was accepted before; nothing better to do
      }
      this.logApplied('saved', started, 'error', 'ENGINE_ACTION_FAILED');
      const why = (e as NodeJS.ErrnoException).code ?? 'an error';
      throw new ProviderError('ENGINE_ACTION_FAILED', `The school server settings could not be saved in ${this.o.file} (${why}). Nothing was changed.`);
    }
    this.state = next;
    this.key = key;
    this.sealed = sealed;
    this.keyStorage = storage;
    this.logApplied('saved', started, 'ok');
    return this.view();
  }

  /** The key sealed for the file (base64), or undefined when this computer can't encrypt it after all. */
  private seal(key: string): string | undefined {
    try {
      return this.o.secrets.encryptString(key).toString('base64');
    } catch {
      this.o.log({ event: 'app.error', where: 'provider-key-encrypt' });
      this.canEncrypt = false;
      return undefined;
    }
  }

  private async write(s: State, sealed: string | undefined): Promise<void> {
    const body: SavedFile = {
      version: 1,
      kind: s.kind,
      baseUrl: s.baseUrl,
      model: s.model,
      fallbackToLocal: s.fallbackToLocal,
      ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
      ...(sealed ? { apiKey: { sealed } } : {}),
    };
    await writeFileAtomic(this.o.file, `${JSON.stringify(body, null, 2)}\n`);
  }

  /** An engine error as a ProviderError: its code, its message in words, every secret replaced. */
  private failure(e: unknown, secrets: ReadonlyArray<string | undefined>): ProviderError {
    if (e instanceof ProviderError) return new ProviderError(e.code, ProviderStore.redactAll(e.message, secrets));
    const code = codeOf(e);
    if (!code || !(e instanceof Error)) {
      return new ProviderError('ENGINE_ACTION_FAILED', 'Something went wrong with the school server settings. Try again; if it keeps happening, restart Samsara.');
    }
    let message = e.message || 'The school server could not be used.';
    for (const [field, words] of FIELD_WORDS) message = message.replace(field, words);
    // "the API key must be …" starts a sentence (a host name at the start keeps its case).
    message = message.replace(/^the /, 'The ');
    return new ProviderError(code, ProviderStore.redactAll(message, secrets));
  }

  private logApplied(reason: 'startup' | 'saved', started: number, outcome: 'ok' | 'error', code?: ErrorCode): void {
    this.o.log({
      event: 'provider.applied',
      reason,
      kind: this.state.kind,
      keyStorage: this.key === undefined ? 'none' : this.keyStorage,
      durationMs: Math.round(performance.now() - started),
      outcome,
      ...(code ? { code } : {}),
    });
  }
}

/** configure's provider for these settings and key. */
function config(s: State, key: string | undefined): NonNullable<Native.EngineConfig['provider']> {
  if (s.kind === 'local') return { kind: 'local' };
  return {
    kind: 'openai-compatible',
    baseUrl: s.baseUrl,
    model: s.model,
    ...(key ? { apiKey: key } : {}),
    ...(s.timeoutMs !== undefined ? { timeoutMs: s.timeoutMs } : {}),
    fallbackToLocal: s.fallbackToLocal,
  };
}

/** Same scheme, host and port (a key saved for one server is never sent to another). */
function sameServer(a: string, b: string): boolean {
  try {
    return b !== '' && new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
