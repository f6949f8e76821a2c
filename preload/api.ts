// The typed contract between the renderer and the main process: window.api, the IPC channels behind
// it, and the normalized results. Pure types and constants, shared by electron/, preload/, renderer/
// and the test harness (no Node or Electron imports here).
import type {
  Assessment,
  Category,
  ChatMessage,
  ChatReply,
  CheckResult,
  Comment,
  Dialect,
  ErrorCode,
  HealthReport,
  Settings,
  StoredAssessment,
} from '../native/index';
import type { DownloadProgress, DownloadSpec, InstalledModel, ModelListing, SelectedModel } from './models';
import type { AnsweredBy, ProviderPatch, ProviderSettings, ProviderTestInput, ProviderTestResult } from './provider';
import type { UpdateStatus, UpdatesPatch } from './updates';

export type {
  DownloadProgress,
  DownloadSpec,
  Fit,
  FitLevel,
  InstalledModel,
  ModelListing,
  ModelSource,
  SelectedModel,
} from './models';
export type {
  AnsweredBy,
  KeyStorage,
  ProviderKind,
  ProviderPatch,
  ProviderSettings,
  ProviderTestInput,
  ProviderTestResult,
} from './provider';
export type { UpdateState, UpdateStatus, UpdatesPatch } from './updates';
export type {
  Anchor,
  Assessment,
  Category,
  ChatMessage,
  ChatReply,
  CheckResult,
  Comment,
  Dialect,
  ErrorCode,
  EssayMetrics,
  HealthReport,
  ModelInfo,
  ProviderReport,
  Settings,
  StoreReport,
  StoredAssessment,
  Theme,
} from '../native/index';
export { LIMITS, SETTING_RANGES } from './limits';

/** What every window.api call resolves to; it never rejects with raw internals. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError };
export interface ApiError {
  code: ErrorCode;
  /** Meant for the user: what happened and what to do. */
  message: string;
}

/** True when A and B are the same union (the lists below must name every member, nothing else). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** The dialects, in the order the UI offers them: the one list (schemas and the renderer use it). */
export const DIALECTS = ['auto', 'american', 'british', 'canadian', 'australian', 'indian'] as const;
const dialectsComplete: Same<(typeof DIALECTS)[number], Dialect> = true;

/** The comment categories (the one list: schemas and the renderer use it). */
export const CATEGORIES = ['spelling', 'grammar', 'usage', 'punctuation', 'style', 'clarity', 'structure'] as const;
const categoriesComplete: Same<(typeof CATEGORIES)[number], Category> = true;
void dialectsComplete;
void categoriesComplete;

export interface AssessInput {
  fileId: string;
  text: string;
  instruction?: string;
  /** The English to check in (default: 'auto', found from the essay). */
  dialect?: Dialect;
}
export interface CheckInput {
  /** May be empty (no comments); at most 100 000 characters. */
  text: string;
  dialect?: Dialect;
}
export interface ChatInput {
  fileId?: string;
  message: string;
  contextText?: string;
}
export interface SummaryInput {
  fileId: string;
  text: string;
  comments?: Comment[];
}

export interface RequestOptions {
  /** Streamed text as it is generated (never splits a character). */
  onToken?: (text: string) => void;
}

export interface DownloadOptions {
  /** Bytes so far, the total, the speed and the time left: at most one event per 200 ms, and the last one. */
  onProgress?: (progress: DownloadProgress) => void;
}

/**
 * A running request: await it for the normalized result; cancel() stops it (the result is then
 * CANCELLED). A thenable rather than an object holding a Promise, because contextBridge only proxies
 * a Promise that is a function's return value, not one nested in an object.
 */
export interface PendingRequest<T> extends PromiseLike<ApiResult<T>> {
  cancel(): void;
}

export interface SamsaraApi {
  /** `answeredBy`/`fallbackReason`: the school server or this computer answered (preload/provider.ts). */
  assessEssay(input: AssessInput, options?: RequestOptions): PendingRequest<Assessment>;
  chat(input: ChatInput, options?: RequestOptions): PendingRequest<ChatReply>;
  generateFeedbackSummary(input: SummaryInput, options?: RequestOptions): PendingRequest<{ summary: string } & AnsweredBy>;
  healthCheck(): Promise<ApiResult<HealthReport>>;
  /** Saved assessments of an essay, newest first (answers at once, even while a request runs). */
  listAssessments(fileId: string): Promise<ApiResult<StoredAssessment[]>>;
  /** The saved chat about an essay, oldest first. */
  listChat(fileId: string): Promise<ApiResult<ChatMessage[]>>;
  /** Deletes the saved chat about an essay. */
  clearChat(fileId: string): Promise<ApiResult<void>>;
  /** Deletes everything saved about an essay: its assessments and its chat (an unknown fileId is not an error). */
  deleteEssay(fileId: string): Promise<ApiResult<void>>;
  /** Deletes one saved assessment, by its `id` from listAssessments (an unknown id is not an error). */
  deleteAssessment(id: string): Promise<ApiResult<void>>;
  /** The deterministic checker alone (no model, never behind inference): quick enough to run while typing. */
  checkText(input: CheckInput): Promise<ApiResult<CheckResult>>;
  /** Adds a word to the personal dictionary (one word: letters, apostrophes, hyphens; ≤ 64 characters). */
  addWord(word: string): Promise<ApiResult<void>>;
  removeWord(word: string): Promise<ApiResult<void>>;
  /** The personal dictionary, lower case, alphabetical. */
  listWords(): Promise<ApiResult<string[]>>;
  /** The settings (kept in the history file; the defaults until one is changed). */
  getSettings(): Promise<ApiResult<Settings>>;
  /** Changes some settings and answers all of them; the dialect applies at once, threads at the next model load. */
  setSettings(patch: Partial<Settings>): Promise<ApiResult<Settings>>;
  /** Shows the history file in the system's file manager (the app only; the harness answers that it can't). */
  openHistoryFolder(): Promise<ApiResult<void>>;
  /**
   * Saves the page as printed (its print stylesheet: the essay with numbered comments, the summary and
   * the metrics) as an A4 PDF where the student chooses (`title` names the file). `data` is the saved
   * file's path, or null when the student cancelled. The app only: the harness answers that it can't.
   */
  exportPdf(input?: PdfExportInput): Promise<ApiResult<{ path: string } | null>>;
  /**
   * The model manager's list: the catalogue's models and those installed here (the bundled one, downloads,
   * added files), each with its size, architecture, quantization, licence, fit on this computer, whether
   * it is installed, selected or supported, and a running download's progress.
   */
  listModels(): Promise<ApiResult<ModelListing[]>>;
  /**
   * Downloads a catalogue model (by id) or a GGUF by its https address into the app's models folder:
   * resumed after a dropped connection or a restart, sha256-verified before it appears. cancel() stops it
   * and removes the partial file (the result is then CANCELLED). Another call for a model this window
   * is downloading joins that download; cancelling either stops it.
   */
  downloadModel(idOrSpec: string | DownloadSpec, options?: DownloadOptions): PendingRequest<InstalledModel>;
  /**
   * "Open GGUF file…": main asks for the file with the system's Open dialog (the page never names a
   * path), checks its header and architecture, and copies it into the models folder. `data` is the
   * added model, or null when the dialog was cancelled.
   */
  addModelFile(): Promise<ApiResult<InstalledModel | null>>;
  /** Removes a downloaded or added model (never the bundled one or the one in use). */
  removeModel(id: string): Promise<ApiResult<void>>;
  /**
   * Makes an installed model the one the engine uses, now and at the next start: the engine starts
   * loading it at once (healthCheck: 'loading' with loadProgress, then 'ready'); running work finishes
   * on the model it started with.
   */
  selectModel(id: string): Promise<ApiResult<SelectedModel>>;
  /** Where chat, the model's comments and summaries are computed (this computer or a school server); never the key. */
  getProvider(): Promise<ApiResult<ProviderSettings>>;
  /**
   * Changes the provider (a new `apiKey`, or `clearKey`), gives it to the engine and keeps it (the key
   * encrypted with the system's safeStorage, or for this session only). A change the engine refuses
   * changes nothing. Answers the settings, never the key.
   */
  setProvider(patch: ProviderPatch): Promise<ApiResult<ProviderSettings>>;
  /**
   * "Test connection": the server's models (GET {baseUrl}/models) with the key typed, else the saved
   * key when the address is the saved server's. Saves nothing.
   */
  testProvider(input: ProviderTestInput): Promise<ApiResult<ProviderTestResult>>;
  /**
   * Settings → Updates: whether Samsara updates itself, and what the updater is doing (checking,
   * downloading, a version ready to install when Samsara quits, …) with a plain message. Outside the
   * installed app the state is 'unavailable'.
   */
  getUpdates(): Promise<ApiResult<UpdateStatus>>;
  /** Turns automatic updates on or off (off: nothing is checked, downloaded or installed); answers the new status. */
  setUpdates(patch: UpdatesPatch): Promise<ApiResult<UpdateStatus>>;
}

export interface PdfExportInput {
  /** The essay's title: the file's suggested name. */
  title?: string;
}

/** Exactly the functions window.api has (tests compare against this list). */
export const API_FUNCTIONS = [
  'assessEssay',
  'chat',
  'generateFeedbackSummary',
  'healthCheck',
  'listAssessments',
  'listChat',
  'clearChat',
  'deleteEssay',
  'deleteAssessment',
  'checkText',
  'addWord',
  'removeWord',
  'listWords',
  'getSettings',
  'setSettings',
  'openHistoryFolder',
  'exportPdf',
  'listModels',
  'downloadModel',
  'addModelFile',
  'removeModel',
  'selectModel',
  'getProvider',
  'setProvider',
  'testProvider',
  'getUpdates',
  'setUpdates',
] as const;

/** The long-running actions: they stream, can be cancelled, and have a deadline. */
export const REQUEST_ACTIONS = ['assessEssay', 'chat', 'generateFeedbackSummary'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

/**
 * The history actions: quick reads and deletes on the store, each taking one id: a fileId, except
 * deleteAssessment (an assessment's `id` from listAssessments).
 */
export const HISTORY_ACTIONS = ['listAssessments', 'listChat', 'clearChat', 'deleteEssay', 'deleteAssessment'] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

export function isHistoryAction(action: string): action is HistoryAction {
  return (HISTORY_ACTIONS as readonly string[]).includes(action);
}

/**
 * The checker's actions: the deterministic checker and the personal dictionary. Quick and never queued
 * behind inference, so no stream, cancel or deadline; each takes its own argument (checkText a
 * `{text, dialect?}`, addWord/removeWord a word, listWords nothing).
 */
export const CHECKER_ACTIONS = ['checkText', 'addWord', 'removeWord', 'listWords'] as const;
export type CheckerAction = (typeof CHECKER_ACTIONS)[number];

export function isCheckerAction(action: string): action is CheckerAction {
  return (CHECKER_ACTIONS as readonly string[]).includes(action);
}

/**
 * The settings' actions: quick reads and writes on the store (getSettings takes nothing, setSettings a
 * partial Settings), and showing the history file's folder (the app only: main asks the system's shell).
 */
export const SETTINGS_ACTIONS = ['getSettings', 'setSettings', 'openHistoryFolder'] as const;
export type SettingsAction = (typeof SETTINGS_ACTIONS)[number];

export function isSettingsAction(action: string): action is SettingsAction {
  return (SETTINGS_ACTIONS as readonly string[]).includes(action);
}

/**
 * The model manager's quick actions (no stream, cancel or deadline): listModels and addModelFile take
 * nothing (main's Open dialog picks the file), removeModel and selectModel a model's id. downloadModel
 * is separate: like a request, it has a ticket, progress events and cancel, but no deadline.
 */
export const MODEL_ACTIONS = ['listModels', 'addModelFile', 'removeModel', 'selectModel'] as const;
export type ModelAction = (typeof MODEL_ACTIONS)[number];

export function isModelAction(action: string): action is ModelAction {
  return (MODEL_ACTIONS as readonly string[]).includes(action);
}

/**
 * The school server's actions (quick, no stream, cancel or deadline of main's own: testProvider has the
 * engine's): getProvider takes nothing, setProvider a ProviderPatch, testProvider a ProviderTestInput.
 */
export const PROVIDER_ACTIONS = ['getProvider', 'setProvider', 'testProvider'] as const;
export type ProviderAction = (typeof PROVIDER_ACTIONS)[number];

export function isProviderAction(action: string): action is ProviderAction {
  return (PROVIDER_ACTIONS as readonly string[]).includes(action);
}

/** The updater's actions (quick): getUpdates takes nothing, setUpdates an UpdatesPatch. */
export const UPDATE_ACTIONS = ['getUpdates', 'setUpdates'] as const;
export type UpdateAction = (typeof UPDATE_ACTIONS)[number];

export function isUpdateAction(action: string): action is UpdateAction {
  return (UPDATE_ACTIONS as readonly string[]).includes(action);
}

/** One IPC channel per action; main handles these and nothing else (the action whitelist). */
export const CHANNELS = {
  assessEssay: 'samsara:assessEssay',
  chat: 'samsara:chat',
  generateFeedbackSummary: 'samsara:generateFeedbackSummary',
  healthCheck: 'samsara:healthCheck',
  listAssessments: 'samsara:listAssessments',
  listChat: 'samsara:listChat',
  clearChat: 'samsara:clearChat',
  deleteEssay: 'samsara:deleteEssay',
  deleteAssessment: 'samsara:deleteAssessment',
  checkText: 'samsara:checkText',
  addWord: 'samsara:addWord',
  removeWord: 'samsara:removeWord',
  listWords: 'samsara:listWords',
  getSettings: 'samsara:getSettings',
  setSettings: 'samsara:setSettings',
  openHistoryFolder: 'samsara:openHistoryFolder',
  exportPdf: 'samsara:exportPdf',
  listModels: 'samsara:listModels',
  downloadModel: 'samsara:downloadModel',
  addModelFile: 'samsara:addModelFile',
  removeModel: 'samsara:removeModel',
  selectModel: 'samsara:selectModel',
  getProvider: 'samsara:getProvider',
  setProvider: 'samsara:setProvider',
  testProvider: 'samsara:testProvider',
  getUpdates: 'samsara:getUpdates',
  setUpdates: 'samsara:setUpdates',
  cancel: 'samsara:cancel',
  /** main → renderer: streamed text of one request, `(ticket, text)`. */
  token: 'samsara:token',
  /** main → renderer: a download's progress, `(ticket, DownloadProgress)`. */
  progress: 'samsara:progress',
} as const;

/** The channels main sends on and never handles (every other channel is handled, one per action). */
export const EVENT_CHANNELS: readonly string[] = [CHANNELS.token, CHANNELS.progress];

/**
 * What the preload sends with a request. `ticket` is the renderer's own name for the request (main
 * assigns the real requestId and keeps the mapping per window, so a window can only cancel its own).
 */
export interface RequestEnvelope {
  ticket: string;
  payload: unknown;
  stream: boolean;
}
