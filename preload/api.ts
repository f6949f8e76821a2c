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

/**
 * A running request: await it for the normalized result; cancel() stops it (the result is then
 * CANCELLED). A thenable rather than an object holding a Promise, because contextBridge only proxies
 * a Promise that is a function's return value, not one nested in an object.
 */
export interface PendingRequest<T> extends PromiseLike<ApiResult<T>> {
  cancel(): void;
}

export interface SamsaraApi {
  assessEssay(input: AssessInput, options?: RequestOptions): PendingRequest<Assessment>;
  chat(input: ChatInput, options?: RequestOptions): PendingRequest<ChatReply>;
  generateFeedbackSummary(input: SummaryInput, options?: RequestOptions): PendingRequest<{ summary: string }>;
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
  cancel: 'samsara:cancel',
  /** main → renderer: streamed text of one request, `(ticket, text)`. */
  token: 'samsara:token',
} as const;

/**
 * What the preload sends with a request. `ticket` is the renderer's own name for the request (main
 * assigns the real requestId and keeps the mapping per window, so a window can only cancel its own).
 */
export interface RequestEnvelope {
  ticket: string;
  payload: unknown;
  stream: boolean;
}
