// Main's job, without Electron: check the sender, validate the payload, assign the requestId, apply the
// deadline, call the engine, and answer with a normalized result. electron/ipc.ts wires it to IPC; the
// test harness wires the same class to loopback HTTP. Logs carry ids, durations and codes, never text.
import { randomUUID } from 'node:crypto';
import type * as Native from '../native/index';
import {
  REQUEST_ACTIONS,
  type ApiError,
  type ApiResult,
  type CheckerAction,
  type DownloadProgress,
  type ErrorCode,
  type HealthReport,
  type HistoryAction,
  type ModelAction,
  type ProviderAction,
  type ProviderPatch,
  type ProviderSettings,
  type ProviderTestInput,
  type ProviderTestResult,
  type RequestAction,
  type SettingsAction,
  type UpdateAction,
  type UpdateStatus,
  type UpdatesPatch,
} from '../preload/api';
import { savePdf, type ExportIo } from './export';
import type { Logger } from './log';
import type { EngineSwitch } from './models/engine-switch';
import { ModelError } from './models/errors';
import type { ModelManager } from './models/manager';
import { errorCodeOf } from './error-codes';
import { ProviderError } from './provider-settings';
import {
  FIELD_NAMES,
  checkerSchemas,
  describeIssue,
  envelopeSchema,
  historySchemas,
  modelIdSchema,
  noArgumentSchema,
  parseDownloadTarget,
  payloadSchemas,
  providerPatchSchema,
  providerTestSchema,
  settingsPatchSchema,
  ticketSchema,
  updatesPatchSchema,
} from './schemas';
import { UpdatesError } from './updates';

/** The part of the native module the service uses (a stub can stand in for it in tests of this layer). */
export type Engine = Pick<
  typeof Native,
  | 'assessEssay'
  | 'chat'
  | 'generateFeedbackSummary'
  | 'healthCheck'
  | 'loadModel'
  | 'cancel'
  | 'shutdown'
  | 'listAssessments'
  | 'listChat'
  | 'clearChat'
  | 'deleteEssay'
  | 'deleteAssessment'
  | 'checkText'
  | 'addWord'
  | 'removeWord'
  | 'listWords'
  | 'getSettings'
  | 'setSettings'
  | 'configure'
>;

/** Who sent a request: the web contents, the URL of the sending frame, and whether it is a top frame. */
export interface Sender {
  id: number;
  url: string;
  isMainFrame: boolean;
}

export interface ServiceOptions {
  engine: Engine;
  log: Logger;
  /** Origins whose top frame may call the engine, e.g. `app://samsara`. */
  trustedOrigins: readonly string[];
  /** Deadline of each request; default 60 s. */
  timeoutMs?: number;
  /**
   * Shows a file in the system's file manager (Electron's shell.showItemInFolder). Without it (the test
   * harness) openHistoryFolder answers that only the app can.
   */
  showItemInFolder?: (path: string) => void;
  /** The model manager and the engine switch (electron/models/); without them the model actions answer that they can't. */
  models?: ModelBackend;
  /**
   * The school server's settings (electron/provider-settings.ts: the key stays in there); without them
   * the provider actions answer that they can't.
   */
  provider?: ProviderBackend;
  /** The updater's policy (electron/updates.ts); without it the update actions answer that they can't. */
  updates?: UpdatesBackend;
}

/** What the update actions use (Updates; its errors are UpdatesErrors, written for the student). */
export interface UpdatesBackend {
  get(): Promise<UpdateStatus>;
  set(patch: UpdatesPatch): Promise<UpdateStatus>;
}

/** What the provider actions use (ProviderStore; its errors are ProviderErrors, the key never in them). */
export interface ProviderBackend {
  get(): Promise<ProviderSettings>;
  set(patch: ProviderPatch): Promise<ProviderSettings>;
  test(input: ProviderTestInput): Promise<ProviderTestResult>;
  /** `message` with the saved key (and the `typed` one) replaced: the last check before a message leaves main. */
  redact(message: string, typed?: string): string;
}

/** What the model actions use: the manager (list, download, add, remove) and the switch (select). */
export interface ModelBackend {
  manager: Pick<ModelManager, 'listModels' | 'downloadModel' | 'addModelFile' | 'removeModel'>;
  switcher: Pick<EngineSwitch, 'select'>;
}

/** Asks the student for a GGUF file (main: the system's Open dialog on our window); null when cancelled. */
export type ChooseModelFile = () => Promise<string | null>;

export const DEFAULT_TIMEOUT_MS = 60_000;

const MAX_MESSAGE = 600;

/**
 * The user-facing message for an engine error (tsc requires a case for every code: the switch has no
 * default and the function must return a string). The engine's messages for these codes are written for
 * people (they name the file, the field or the limit); an ACTION_FAILED carries internals, so the user
 * gets a fixed sentence instead. (The model manager's errors, ModelError, are all written for people —
 * a 404, a full disk, a wrong hash — and reach the user as they are: see `failure`.)
 */
export function userMessage(code: ErrorCode, engineMessage: string, timeoutMs: number): string {
  switch (code) {
    case 'ENGINE_ACTION_FAILED':
      return 'Something went wrong inside the engine. Try again; if it keeps happening, restart Samsara.';
    case 'ENGINE_TIMEOUT':
      return `This took longer than ${Math.round(timeoutMs / 1000)} seconds and was stopped. Try again, or with a shorter text.`;
    case 'ENGINE_BUSY':
      return 'Samsara is busy with other requests. Try again in a moment.';
    case 'CANCELLED':
      return 'Cancelled.';
    case 'ENGINE_DOWN':
      return clip(`The AI model is not available. ${engineMessage}`);
    case 'INVALID_REQUEST':
      return clip(plainFields(engineMessage) || 'The request could not be handled.');
    case 'ENGINE_INVALID_RESPONSE':
      return clip(engineMessage || 'The request could not be handled.');
  }
}

/**
 * The engine checks the same limits as the schemas (which answer first); should one of its messages
 * still get here, the field it starts with ("contextText is …") is said in words ("The essay sent with
 * your question is …").
 */
function plainFields(message: string): string {
  const m = /^(\w+)( .*)$/s.exec(message);
  const name = m && (FIELD_NAMES as Record<string, string>)[m[1] ?? ''];
  return name && m ? `${name}${m[2]}` : message;
}

function clip(s: string): string {
  return s.length <= MAX_MESSAGE ? s : `${s.slice(0, MAX_MESSAGE - 1)}…`;
}

function codeOf(e: unknown): ErrorCode {
  return errorCodeOf(e) ?? 'ENGINE_ACTION_FAILED';
}

function fail(code: ErrorCode, message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code, message } };
}

/** The refusal of an argument given to an action that takes none (getSettings, listModels, …), else null. */
function argumentRefused(argument: unknown): { ok: false; error: ApiError } | null {
  const none = noArgumentSchema.safeParse(argument);
  return none.success ? null : fail('INVALID_REQUEST', none.error.issues[0]?.message ?? 'This takes no argument.');
}

function isRequestAction(action: string): action is RequestAction {
  return (REQUEST_ACTIONS as readonly string[]).includes(action);
}

export class SamsaraService {
  private readonly engine: Engine;
  private readonly log: Logger;
  private readonly trustedOrigins: ReadonlySet<string>;
  private readonly timeoutMs: number;
  private readonly showItemInFolder?: (path: string) => void;
  /** Running requests by `${sender.id}:${ticket}` → requestId: a window can cancel only its own. */
  private readonly running = new Map<string, string>();
  /**
   * Running downloads by `${sender.id}:${ticket}`: their abort and what they download (`${sender.id}:` and
   * the id or address), so that cancelling one stops the window's every call for that model (a reloaded
   * page joins the download its previous load started, and can then stop it).
   */
  private readonly downloads = new Map<string, { target: string; controller: AbortController }>();
  private readonly modelBackend?: ModelBackend;
  private readonly providerBackend?: ProviderBackend;
  private readonly updatesBackend?: UpdatesBackend;
  private closing = false;

  constructor(options: ServiceOptions) {
    this.engine = options.engine;
    this.log = options.log;
    this.trustedOrigins = new Set(options.trustedOrigins);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.showItemInFolder = options.showItemInFolder;
    this.modelBackend = options.models;
    this.providerBackend = options.provider;
    this.updatesBackend = options.updates;
  }

  /** Only the top frame of a page from a trusted origin may use the engine. */
  isTrusted(sender: Sender): boolean {
    if (!sender.isMainFrame) return false;
    try {
      // Not URL.origin: WHATWG gives "null" for custom schemes like app://, which Chromium treats as
      // standard (registerSchemesAsPrivileged).
      const u = new URL(sender.url);
      return this.trustedOrigins.has(`${u.protocol}//${u.host}`);
    } catch {
      return false;
    }
  }

  /** assessEssay, chat or generateFeedbackSummary. `stream` receives the request's text as it is generated. */
  async request(
    action: string,
    sender: Sender,
    envelope: unknown,
    stream?: (ticket: string, text: string) => void,
  ): Promise<ApiResult<unknown>> {
    const refused = this.refusal(action, sender);
    if (refused) return refused;
    if (!isRequestAction(action)) return fail('INVALID_REQUEST', `Unknown action "${clip(action)}".`);
    const env = envelopeSchema.safeParse(envelope);
    if (!env.success) return fail('INVALID_REQUEST', `The request could not be read. ${describeIssue(env.error)}`);
    const payload = payloadSchemas[action].safeParse(env.data.payload);
    if (!payload.success) return fail('INVALID_REQUEST', describeIssue(payload.error));

    const { ticket } = env.data;
    const key = `${sender.id}:${ticket}`;
    if (this.running.has(key)) return fail('INVALID_REQUEST', 'This request is already running.');
    const requestId = randomUUID();
    this.running.set(key, requestId);
    const started = performance.now();
    this.log({ event: 'request.start', requestId, action });
    const onToken = env.data.stream && stream ? (text: string) => stream(ticket, text) : undefined;
    try {
      // The schemas above match the engine's input types; the engine validates again on its side.
      const data: unknown = await (this.engine[action] as (i: unknown, o: Native.RequestOptions) => Promise<unknown>)(
        payload.data,
        { requestId, timeoutMs: this.timeoutMs, onToken },
      );
      this.end(requestId, action, started, 'ok');
      return { ok: true, data };
    } catch (e) {
      const failure = this.failure(e);
      const { code } = failure.error;
      this.end(requestId, action, started, code === 'CANCELLED' ? 'cancelled' : 'error', code);
      return failure;
    } finally {
      this.running.delete(key);
    }
  }

  /**
   * exportPdf: the sending page printed to a PDF the student saves where they choose (electron/export.ts;
   * `io` is Electron's part). Only our window's top frame may ask. Logged without the title or the path.
   */
  async exportPdf(sender: Sender, argument: unknown, io: ExportIo): Promise<ApiResult<{ path: string } | null>> {
    const refused = this.refusal('exportPdf', sender);
    if (refused) return refused;
    const requestId = randomUUID();
    const started = performance.now();
    this.log({ event: 'request.start', requestId, action: 'exportPdf' });
    const r = await savePdf(io, argument);
    this.end(requestId, 'exportPdf', started, r.ok ? (r.data ? 'ok' : 'cancelled') : 'error', r.ok ? undefined : r.error.code);
    return r;
  }

  async healthCheck(sender: Sender): Promise<ApiResult<HealthReport>> {
    const refused = this.refusal('healthCheck', sender);
    if (refused) return refused;
    try {
      return { ok: true, data: await this.engine.healthCheck() };
    } catch (e) {
      return this.failure(e);
    }
  }

  /**
   * listAssessments, listChat, clearChat or deleteEssay for one essay (a fileId), or deleteAssessment
   * (an assessment's id): quick, so no deadline, stream or cancel. The deletes resolve to `data: undefined`.
   */
  async history(action: HistoryAction, sender: Sender, argument: unknown): Promise<ApiResult<unknown>> {
    const refused = this.refusal(action, sender);
    if (refused) return refused;
    const id = historySchemas[action].safeParse(argument);
    // The schema's own messages name the field ("fileId must be a string.", "id must not be empty.").
    if (!id.success) return fail('INVALID_REQUEST', id.error.issues[0]?.message ?? 'The id is not valid.');
    return this.logged(action, () => this.engine[action](id.data));
  }

  /**
   * checkText, addWord, removeWord or listWords: the checker and the personal dictionary answer at once
   * (never behind inference), so no deadline, stream or cancel. Logged like the others: ids, durations
   * and codes, never the text or the word.
   */
  async checker(action: CheckerAction, sender: Sender, argument: unknown): Promise<ApiResult<unknown>> {
    const refused = this.refusal(action, sender);
    if (refused) return refused;
    const call = this.checkerCall(action, argument);
    if ('invalid' in call) return fail('INVALID_REQUEST', call.invalid);
    // addWord/removeWord resolve to nothing: `data: undefined`, like clearChat.
    return this.logged(action, call.run);
  }

  /** The validated engine call of a checker action, or why its argument is refused. */
  private checkerCall(action: CheckerAction, argument: unknown): { run: () => Promise<unknown> } | { invalid: string } {
    // checkText takes an object (describeIssue names the field); the others a word or nothing, and the
    // schema's own message names it ("word must not be empty.").
    const first = (e: { issues: Array<{ message: string }> }) => e.issues[0]?.message ?? `${action}: the argument is not valid.`;
    switch (action) {
      case 'checkText': {
        const p = checkerSchemas.checkText.safeParse(argument);
        return p.success ? { run: () => this.engine.checkText(p.data) } : { invalid: describeIssue(p.error) };
      }
      case 'addWord':
      case 'removeWord': {
        const p = checkerSchemas[action].safeParse(argument);
        return p.success ? { run: () => this.engine[action](p.data) } : { invalid: first(p.error) };
      }
      case 'listWords': {
        const p = checkerSchemas.listWords.safeParse(argument);
        return p.success ? { run: () => this.engine.listWords() } : { invalid: first(p.error) };
      }
    }
  }

  /**
   * getSettings, setSettings (a partial Settings: the dialect applies at once, threads at the next model
   * load) or openHistoryFolder (the history file's folder in the system's file manager; the path is the
   * engine's own, never the page's). Quick, so no deadline, stream or cancel.
   */
  async settings(action: SettingsAction, sender: Sender, argument: unknown): Promise<ApiResult<unknown>> {
    const refused = this.refusal(action, sender);
    if (refused) return refused;
    let run: () => Promise<unknown>;
    if (action === 'setSettings') {
      const p = settingsPatchSchema().safeParse(argument);
      if (!p.success) return fail('INVALID_REQUEST', describeIssue(p.error));
      run = () => this.engine.setSettings(p.data);
    } else {
      const extra = argumentRefused(argument);
      if (extra) return extra;
      const open = this.showItemInFolder;
      if (action === 'openHistoryFolder' && !open) {
        return fail('INVALID_REQUEST', 'Opening the history folder works only in the Samsara app.');
      }
      run = action === 'getSettings' ? () => this.engine.getSettings() : () => this.openFolder(open);
    }
    return this.logged(action, run);
  }

  private async openFolder(open: ((path: string) => void) | undefined): Promise<void> {
    const file = (await this.engine.healthCheck()).store.path;
    if (!file || !open) {
      throw Object.assign(new Error('History is kept in memory only in this session, so there is no folder to show.'), {
        code: 'INVALID_REQUEST',
      });
    }
    open(file);
  }

  /**
   * At start-up, before the model loads: the saved dialect and threads go to the engine (the store keeps
   * them; the engine starts with its defaults). A store that can't be read leaves the defaults.
   */
  async applySavedSettings(): Promise<void> {
    const started = performance.now();
    try {
      const s = await this.engine.getSettings();
      this.engine.configure({ dialect: s.dialect, threads: s.threads });
      this.log({ event: 'settings.applied', durationMs: since(started), outcome: 'ok', threads: s.threads, dialect: s.dialect });
    } catch (e) {
      this.log({ event: 'settings.applied', durationMs: since(started), outcome: 'error', code: codeOf(e) });
    }
  }

  /**
   * listModels, addModelFile, removeModel or selectModel: quick calls to the model manager (no deadline,
   * stream or cancel). addModelFile takes no argument: `chooseFile` (main's Open dialog; the harness's
   * stand-in) names the file, and `data` is null when the student cancelled it. selectModel answers once
   * the engine is configured for the model and its load has started.
   */
  async models(action: ModelAction, sender: Sender, argument: unknown, chooseFile?: ChooseModelFile): Promise<ApiResult<unknown>> {
    const refused = this.refusal(action, sender);
    if (refused) return refused;
    const m = this.modelBackend;
    if (!m) return fail('INVALID_REQUEST', 'Managing models works only in the Samsara app.');
    let run: () => Promise<unknown>;
    if (action === 'removeModel' || action === 'selectModel') {
      const p = modelIdSchema.safeParse(argument);
      if (!p.success) return fail('INVALID_REQUEST', p.error.issues[0]?.message ?? "The model's id is not valid.");
      run = action === 'removeModel' ? () => m.manager.removeModel(p.data) : () => m.switcher.select(p.data);
    } else {
      const extra = argumentRefused(argument);
      if (extra) return extra;
      if (action === 'listModels') {
        run = () => m.manager.listModels();
      } else {
        if (!chooseFile) return fail('INVALID_REQUEST', 'Opening a model file works only in the Samsara app.');
        run = async () => {
          const file = await chooseFile();
          return file === null ? null : m.manager.addModelFile(file);
        };
      }
    }
    return this.logged(action, run);
  }

  /**
   * getProvider, setProvider or testProvider: the school server's settings (electron/provider-settings.ts).
   * The key goes in (setProvider's apiKey, testProvider's) and never comes out: answers hold `hasKey` and
   * `keyStorage`, errors have it replaced, and the log has only the action, its duration and code.
   */
  async provider(action: ProviderAction, sender: Sender, argument: unknown): Promise<ApiResult<unknown>> {
    const refused = this.refusal(action, sender);
    if (refused) return refused;
    const p = this.providerBackend;
    if (!p) return fail('INVALID_REQUEST', 'Choosing a school server works only in the Samsara app.');
    // Whatever key came with the request, for the last check of the answer's message.
    const typed = (argument as { apiKey?: unknown } | null)?.apiKey;
    const hide = (r: ApiResult<unknown>): ApiResult<unknown> =>
      r.ok ? r : fail(r.error.code, p.redact(r.error.message, typeof typed === 'string' ? typed : undefined));
    let run: () => Promise<unknown>;
    if (action === 'setProvider') {
      const patch = providerPatchSchema.safeParse(argument);
      if (!patch.success) return hide(fail('INVALID_REQUEST', describeIssue(patch.error)));
      run = () => p.set(patch.data);
    } else if (action === 'testProvider') {
      const input = providerTestSchema.safeParse(argument);
      if (!input.success) return hide(fail('INVALID_REQUEST', describeIssue(input.error)));
      run = () => p.test(input.data);
    } else {
      const extra = argumentRefused(argument);
      if (extra) return extra;
      run = () => p.get();
    }
    return hide(await this.logged(action, run));
  }

  /**
   * getUpdates (nothing) or setUpdates ({auto}): Settings → Updates. Quick: the check and the download
   * run in the background, and getUpdates says where they are.
   */
  async updates(action: UpdateAction, sender: Sender, argument: unknown): Promise<ApiResult<unknown>> {
    const refused = this.refusal(action, sender);
    if (refused) return refused;
    const u = this.updatesBackend;
    if (!u) return fail('INVALID_REQUEST', 'Updates are checked in the installed app only.');
    let run: () => Promise<unknown>;
    if (action === 'setUpdates') {
      const patch = updatesPatchSchema.safeParse(argument);
      if (!patch.success) return fail('INVALID_REQUEST', describeIssue(patch.error));
      run = () => u.set(patch.data);
    } else {
      const extra = argumentRefused(argument);
      if (extra) return extra;
      run = () => u.get();
    }
    return this.logged(action, run);
  }

  /**
   * downloadModel: a catalogue id or {url, sha256?, sizeBytes?, name?} in a request envelope (a ticket,
   * so the window can cancel it). `progress` receives its progress events when the envelope asks for a
   * stream. No deadline: a big model over a slow line takes as long as it takes.
   */
  async downloadModel(sender: Sender, envelope: unknown, progress?: (ticket: string, p: DownloadProgress) => void): Promise<ApiResult<unknown>> {
    const refused = this.refusal('downloadModel', sender);
    if (refused) return refused;
    const m = this.modelBackend;
    if (!m) return fail('INVALID_REQUEST', 'Managing models works only in the Samsara app.');
    const env = envelopeSchema.safeParse(envelope);
    if (!env.success) return fail('INVALID_REQUEST', `The request could not be read. ${describeIssue(env.error)}`);
    const target = parseDownloadTarget(env.data.payload);
    if (!target.ok) return fail('INVALID_REQUEST', target.message);

    const { ticket } = env.data;
    const key = `${sender.id}:${ticket}`;
    if (this.running.has(key) || this.downloads.has(key)) return fail('INVALID_REQUEST', 'This request is already running.');
    const controller = new AbortController();
    const what = typeof target.data === 'string' ? target.data : target.data.url;
    this.downloads.set(key, { target: `${sender.id}:${what}`, controller });
    const onProgress = env.data.stream && progress ? (p: DownloadProgress) => progress(ticket, p) : undefined;
    try {
      return await this.logged('downloadModel', () =>
        m.manager.downloadModel(target.data, { signal: controller.signal, ...(onProgress ? { onProgress } : {}) }),
      );
    } finally {
      this.downloads.delete(key);
    }
  }

  /** Cancels one of this sender's running requests or downloads; `data` says whether there was one to cancel. */
  cancel(sender: Sender, ticket: unknown): ApiResult<{ cancelled: boolean }> {
    const refused = this.refusal('cancel', sender);
    if (refused) return refused;
    const t = ticketSchema.safeParse(ticket);
    if (!t.success) return fail('INVALID_REQUEST', 'Nothing was cancelled: the request to stop was not named.');
    const key = `${sender.id}:${t.data}`;
    const download = this.downloads.get(key);
    if (download) {
      for (const d of this.downloads.values()) if (d.target === download.target) d.controller.abort();
      return { ok: true, data: { cancelled: true } };
    }
    const requestId = this.running.get(key);
    return { ok: true, data: { cancelled: requestId !== undefined && this.engine.cancel(requestId) } };
  }

  /** Loads the model in the background (after the window shows), so the first request does not wait. */
  async warmUp(): Promise<void> {
    const started = performance.now();
    try {
      await this.engine.loadModel({ timeoutMs: 10 * 60_000 });
      this.log({ event: 'engine.warmup', durationMs: since(started), outcome: 'ok' });
    } catch (e) {
      // Not the user's request: the status indicator shows it, and the next request reports it.
      this.log({ event: 'engine.warmup', durationMs: since(started), outcome: 'error', code: codeOf(e) });
    }
  }

  /**
   * App quit: refuse new work, cancel running work, free the model. Downloads are not cancelled (that
   * would delete their partial file): they stop with the process, and the next download resumes them.
   */
  async shutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const started = performance.now();
    const cancelled = this.running.size;
    for (const requestId of this.running.values()) this.engine.cancel(requestId);
    await this.engine.shutdown();
    this.log({ event: 'engine.shutdown', durationMs: since(started), cancelled });
  }

  /** A quick engine call, logged with a requestId, its duration and outcome (never its data). */
  private async logged(action: string, run: () => Promise<unknown>): Promise<ApiResult<unknown>> {
    const requestId = randomUUID();
    const started = performance.now();
    this.log({ event: 'request.start', requestId, action });
    try {
      const data: unknown = await run();
      this.end(requestId, action, started, 'ok');
      return { ok: true, data };
    } catch (e) {
      const failure = this.failure(e);
      const { code } = failure.error;
      this.end(requestId, action, started, code === 'CANCELLED' ? 'cancelled' : 'error', code);
      return failure;
    }
  }

  /** An engine or model manager error as the renderer may see it: its code and a message for the user. */
  private failure(e: unknown): { ok: false; error: ApiError } {
    // The model manager's messages are written for the student (they name the model, the server's
    // answer, the sizes or the file's problem) and carry no essay or chat text: they go as they are.
    if (e instanceof ModelError) return fail(e.code, clip(e.message));
    // The provider store's messages are written for the student (they name the server) and have the
    // API key replaced.
    if (e instanceof ProviderError) return fail(e.code, clip(e.message));
    // The update setting's one error says in words that it could not be saved.
    if (e instanceof UpdatesError) return fail(e.code, clip(e.message));
    const code = codeOf(e);
    return fail(code, userMessage(code, e instanceof Error ? e.message : '', this.timeoutMs));
  }

  private refusal(action: string, sender: Sender): { ok: false; error: ApiError } | null {
    if (!this.isTrusted(sender)) {
      this.log({ event: 'request.refused', action: clip(action), reason: 'sender' });
      return fail('INVALID_REQUEST', 'This request did not come from the Samsara window and was refused.');
    }
    if (this.closing) {
      this.log({ event: 'request.refused', action: clip(action), reason: 'closing' });
      return fail('ENGINE_DOWN', 'Samsara is closing.');
    }
    return null;
  }

  private end(
    requestId: string,
    action: string,
    started: number,
    outcome: 'ok' | 'error' | 'cancelled',
    code?: ErrorCode,
  ): void {
    this.log({ event: 'request.end', requestId, action, durationMs: since(started), outcome, ...(code ? { code } : {}) });
  }
}

function since(t: number): number {
  return Math.round(performance.now() - t);
}
