// The typed contract between the renderer and the main process: window.api, the IPC channels behind
// it, and the normalized results. Pure types and constants, shared by electron/, preload/, renderer/
// and the test harness (no Node or Electron imports here).
import type { Assessment, ChatMessage, ChatReply, Comment, ErrorCode, HealthReport, StoredAssessment } from '../native/index';

export type {
  Anchor,
  Assessment,
  ChatMessage,
  ChatReply,
  Comment,
  ErrorCode,
  EssayMetrics,
  HealthReport,
  ModelInfo,
  StoreReport,
  StoredAssessment,
} from '../native/index';

/** What every window.api call resolves to; it never rejects with raw internals. */
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError };
export interface ApiError {
  code: ErrorCode;
  /** Meant for the user: what happened and what to do. */
  message: string;
}

export interface AssessInput {
  fileId: string;
  text: string;
  instruction?: string;
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
] as const;

/** The long-running actions: they stream, can be cancelled, and have a deadline. */
export const REQUEST_ACTIONS = ['assessEssay', 'chat', 'generateFeedbackSummary'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

/** The history actions: quick reads and deletes on the store, each taking a fileId. */
export const HISTORY_ACTIONS = ['listAssessments', 'listChat', 'clearChat'] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

export function isHistoryAction(action: string): action is HistoryAction {
  return (HISTORY_ACTIONS as readonly string[]).includes(action);
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
