// The native engine's API (see docs/native-api.md). Every rejected promise / thrown error is an
// `EngineError`: an Error with one of the codes below.

export type ErrorCode =
  | 'INVALID_REQUEST'
  | 'ENGINE_TIMEOUT'
  | 'ENGINE_DOWN'
  | 'ENGINE_INVALID_RESPONSE'
  | 'ENGINE_ACTION_FAILED'
  | 'ENGINE_BUSY'
  | 'CANCELLED';

export interface EngineError extends Error {
  code: ErrorCode;
}

export type EngineState = 'unloaded' | 'loading' | 'ready' | 'failed';

export interface ModelInfo {
  state: EngineState;
  name?: string;
  path?: string;
  architecture?: string;
  quantization?: string;
  contextLength?: number;
  /** 0..1 while loading. */
  loadProgress?: number;
  error?: string;
}

export interface HealthReport {
  /**
   * ok: ready or loadable; degraded: works, but history is not being saved as asked (see `store`), or
   * a remote provider's fallback is in use or unusable; down: the model failed to load or its file is
   * missing, or, with a remote provider, its last probe could not reach it (and no local fallback can
   * stand in).
   */
  status: 'ok' | 'degraded' | 'down';
  version: string;
  /** ISO-8601 */
  timestamp: string;
  uptimeMs: number;
  model: ModelInfo;
  queue: { running: number; waiting: number; capacity: number };
  store: StoreReport;
  /** Inference threads of the loaded model (a new setting applies at the next model load). */
  threads: number;
  /** The matrix kernels this CPU runs: 'avx512-vnni', 'avx2' or 'scalar'. */
  kernels: 'avx512-vnni' | 'avx2' | 'scalar';
  /** How many times a model load was started in this process. */
  modelLoads: number;
  /**
   * Where chat, the model's comments and summaries are computed. For a remote server: its address and
   * model, and the last reachability probe (`GET {baseUrl}/models`, in the background, cached for 30 s:
   * healthCheck never waits on the network). Never the API key.
   */
  provider: ProviderReport;
}

export interface ProviderReport {
  kind: 'local' | 'openai-compatible';
  baseUrl?: string;
  model?: string;
  reachable?: boolean;
  /** ISO-8601 time of the last probe. */
  checkedAt?: string;
  error?: string;
}

/** An OpenAI-compatible server (vLLM, Ollama, llama.cpp's server), or the local model. */
export type ProviderConfig =
  | { kind: 'local' }
  | {
      kind: 'openai-compatible';
      /** The API's root, e.g. `https://llm.school.example/v1` (requests go to `{baseUrl}/chat/completions`). */
      baseUrl: string;
      /** The server's model name. */
      model: string;
      /** Sent as a Bearer token; never in errors, logs or healthCheck. */
      apiKey?: string;
      /** One HTTP request's limit, default 60000 (100–600000). */
      timeoutMs?: number;
      /**
       * When the server fails (unreachable, refused, busy, a server error or a garbled answer) before
       * any text was streamed and the request still has time, the local model answers instead, and the
       * result's `fallbackReason` says why. Default false.
       */
      fallbackToLocal?: boolean;
    };

/** Which provider wrote a result's model part. */
export interface Answered {
  /** 'openai-compatible': the configured server; 'local': this computer's model (or the checker alone). */
  answeredBy: 'local' | 'openai-compatible';
  /** Present when the server failed and the local model answered instead (fallbackToLocal): the server's error. */
  fallbackReason?: string;
}

export interface RequestOptions {
  /** Your id for cancel(); generated when absent. Must not be in use. */
  requestId?: string;
  /** Default 60000. The work is stopped when it passes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Streamed text as it is generated, on the JS thread; never splits a character. */
  onToken?: (text: string) => void;
}

export interface Anchor {
  /** UTF-16 offsets into the essay: text.slice(start, end) === quote. */
  start: number;
  end: number;
  quote: string;
}

/** What a comment is about. spelling, grammar, usage and punctuation are mistakes; the rest advice. */
export type Category = 'spelling' | 'grammar' | 'usage' | 'punctuation' | 'style' | 'clarity' | 'structure';

/** The English an essay is checked in. 'auto' finds it from the essay; a spelling valid in any of them is never a mistake. */
export type Dialect = 'auto' | 'american' | 'british' | 'canadian' | 'australian' | 'indian';

export interface Comment {
  content: string;
  kind: 'inline' | 'block';
  anchor?: Anchor;
  /** Who made it: the deterministic checker ('rules') or the model. */
  source?: 'rules' | 'model';
  /**
   * The checker's rule (deterministic comments only): ours are spelling, subject-verb-agreement,
   * confused-words, missing-apostrophe, sentence-start, passive-voice, repeated-opening, repeated-word,
   * long-sentence, one-sentence-paragraph; Harper's are its rule names in kebab case (an-a, its-contraction, …).
   */
  rule?: string;
  category?: Category;
  /** Replacements for the anchored span, best first; may be empty. Apply: text.slice(0, start) + s + text.slice(end). */
  suggestions?: string[];
}

/** checkText's answer: the checker's comments (all inline) and the dialect it checked in. */
export interface CheckResult {
  comments: Comment[];
  dialect: Exclude<Dialect, 'auto'>;
  /** The words, counted as the assessment's metrics count them (for the editor's counter). */
  words: number;
}

/** Over the whole essay. Flesch scores use the English formulas. */
export interface EssayMetrics {
  words: number;
  sentences: number;
  paragraphs: number;
  /** UTF-16 code units, like string.length. */
  characters: number;
  avgSentenceLength: number;
  fleschReadingEase: number;
  fleschKincaidGrade: number;
  [name: string]: number;
}

/** Where history goes. */
export interface StoreReport {
  /**
   * degraded: the file could not be opened yet (history is kept in memory and written to the file once it
   * opens; the store tries again, up to every 30 s), it is damaged, or a save failed. Opening happens on the
   * store thread: healthCheck never waits for it.
   */
  status: 'ok' | 'degraded';
  /** false: memory only (no storePath, or degraded); gone when the process ends. */
  persistent: boolean;
  /** The storePath asked for. */
  path?: string;
  /** Why it is degraded, for the user (names the file). */
  error?: string;
}

/** An assessment as saved by assessEssay. */
export interface StoredAssessment {
  id: string;
  fileId: string;
  /** SHA-256 (hex) of the UTF-8 text that was assessed; the text itself is not stored. */
  textHash: string;
  /** ISO-8601 UTC */
  createdAt: string;
  /** The model's name (GGUF general.name). */
  model: string;
  comments: Comment[];
  summary?: string;
  metrics?: EssayMetrics;
}

export interface ChatReply extends Answered {
  reply: string;
  /** 'length': the answer was cut off by the token limit. */
  finishReason: 'stop' | 'length';
  /**
   * How many saved messages about this fileId were the context of the answer (oldest ones are left
   * out when they don't fit the context window; 0 without a fileId).
   */
  historyUsed: number;
  /** With a fileId: whether the question and answer went into the history (false: healthCheck().store.error says why). */
  saved?: boolean;
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  /** ISO-8601 UTC */
  createdAt: string;
}

export interface Assessment extends Answered {
  comments: Comment[];
  summary: string;
  metrics: EssayMetrics;
  /** The dialect the essay was checked in. */
  dialect: Exclude<Dialect, 'auto'>;
  /**
   * Present when the model read only the start of the essay (about 1,024 tokens): `end` is the UTF-16 offset
   * where that part ends. The checker's comments always cover the whole essay.
   */
  tutorRead?: { end: number };
  /** Whether it went into the history; false: healthCheck().store.error says why (the feedback is still given). */
  saved: boolean;
  /**
   * Tokens the model ran: `promptTokens` of the prompts (a prefix still cached from the last request,
   * such as the same essay, is not run and not counted) and `generatedTokens` of the comments and summary it wrote.
   */
  usage: Usage;
}

export interface Usage {
  promptTokens: number;
  generatedTokens: number;
}

export interface EngineConfig {
  /** A .gguf file (llama incl. Llama 3, qwen2, qwen3, phi3, gemma2, gemma3). Default: models/SmolLM2-135M-Instruct.Q4_1.gguf or $SAMSARA_MODEL. */
  modelPath?: string;
  /** Inference threads, default 1 ($SAMSARA_THREADS). Takes effect at the next model load. */
  threads?: number;
  /** Context tokens, default: the model's ($SAMSARA_CONTEXT). */
  contextSize?: number;
  /**
   * The SQLite file for history (created if missing; $SAMSARA_STORE). Without it, history lives in
   * memory for this process only. '' switches back to memory.
   */
  storePath?: string;
  /** Requests that may wait; more are refused with ENGINE_BUSY. Default 16. */
  queueCapacity?: number;
  /** The English essays are checked in (default 'auto', $SAMSARA_DIALECT). Takes effect at the next check. */
  dialect?: Dialect;
  /** Chat on a remote OpenAI-compatible server instead of the local model; default local. */
  provider?: ProviderConfig;
}

export interface CompleteInput {
  prompt: string;
  maxTokens?: number;
  /** 0 = greedy and deterministic. Default 0.8. */
  temperature?: number;
  topP?: number;
  seed?: number;
  stop?: string[];
  /** Default false: the prompt is data, `<|im_start|>` in it stays text. */
  parseSpecialTokens?: boolean;
  /** Default false. true: generate exactly maxTokens, past the end-of-generation token (benchmarks). */
  ignoreEos?: boolean;
}

export interface CompleteResult {
  text: string;
  tokens: number[];
  /** 'cancelled' is reserved: a cancelled request rejects with CANCELLED. */
  finishReason: 'stop' | 'length' | 'cancelled';
}

export function configure(opts: EngineConfig): void;
export function loadModel(options?: Omit<RequestOptions, 'onToken'>): Promise<ModelInfo>;
export function healthCheck(): Promise<HealthReport>;
/**
 * `GET {baseUrl}/models` of an OpenAI-compatible server with these settings (the model may be left out):
 * the ids it offers, for a settings page's "Test connection". Errors as for requests (ENGINE_DOWN when
 * unreachable or the key is refused, …), naming the host, never the key.
 */
export function listProviderModels(
  provider: Omit<Extract<ProviderConfig, { kind: 'openai-compatible' }>, 'model' | 'fallbackToLocal'> & { model?: string },
): Promise<string[]>;
export function assessEssay(
  input: { fileId: string; text: string; instruction?: string; dialect?: Dialect },
  options?: RequestOptions,
): Promise<Assessment>;
export function chat(
  input: { fileId?: string; message: string; contextText?: string },
  options?: RequestOptions,
): Promise<ChatReply>;
export function generateFeedbackSummary(
  input: { fileId: string; text: string; comments?: Comment[] },
  options?: RequestOptions,
): Promise<{ summary: string } & Answered>;
export function complete(input: CompleteInput, options?: RequestOptions): Promise<CompleteResult>;
export function tokenize(text: string, options?: { parseSpecialTokens?: boolean }): number[];
export function detokenize(ids: number[]): string;
/** Stops a queued or running request: true if this call stopped it; false for an unknown, finished or already stopped id. */
export function cancel(requestId: string): boolean;
/** The saved assessments of an essay, newest first. Never waits for the inference queue. */
export function listAssessments(fileId: string): Promise<StoredAssessment[]>;
/** The saved chat about an essay, oldest first. */
export function listChat(fileId: string): Promise<ChatMessage[]>;
/** Deletes the saved chat about an essay. */
export function clearChat(fileId: string): Promise<void>;
/** Deletes everything saved about an essay: its assessments and chat. An unknown fileId is not an error. */
export function deleteEssay(fileId: string): Promise<void>;
/** Deletes one saved assessment (its id from listAssessments). An unknown id is not an error. */
export function deleteAssessment(id: string): Promise<void>;
export type Theme = 'system' | 'light' | 'dark';
/** The app's settings, kept in the history store (defaults: auto, system, 16, 1). */
export interface Settings {
  dialect: Dialect;
  theme: Theme;
  /** The essay and feedback text size in CSS pixels, 12–28. */
  fontSize: number;
  /** Inference threads, 1 to this computer's cores; taken at the next model load. */
  threads: number;
}
/** The saved settings over their defaults. */
export function getSettings(): Promise<Settings>;
/** Validates and saves a change (INVALID_REQUEST: a plain message), gives the engine the dialect at once and the threads at the next model load, and answers all the settings. */
export function setSettings(patch: Partial<Settings>): Promise<Settings>;
/**
 * The deterministic checker alone (Harper + our rules, no model): inline comments with categories and
 * suggestions. Never waits for the inference queue; a few ms while the student types (only the edited
 * paragraph is checked again). Empty text gives no comments. Text over 100 000 characters: INVALID_REQUEST.
 */
export function checkText(input: { text: string; dialect?: Dialect }): Promise<CheckResult>;
/** Adds a word to the personal dictionary (kept in the store; used by every later check). */
export function addWord(word: string): Promise<void>;
export function removeWord(word: string): Promise<void>;
/** The personal dictionary, lower case, alphabetical. */
export function listWords(): Promise<string[]>;
/** Cancels all queued and running work and frees the model (app quit). */
export function shutdown(): Promise<void>;
export const DEFAULT_MODEL: string;
/** The request limits the engine enforces (characters are UTF-16 code units, like string.length). */
export interface Limits {
  text: number; message: number; instruction: number; fileId: number; newTokens: number; stopStrings: number;
  stopLength: number; comments: number; label: number; word: number; suggestions: number; requestId: number;
  timeoutMs: number;
}
export const LIMITS: Readonly<Limits>;
/**
 * Which compiled addon was loaded (native/platform.js): `$SAMSARA_NATIVE_PATH`, `the build from source`
 * (native/index.node), or a prebuilt platform package such as `@samsara/linux-x64-gnu@0.1.0`.
 */
export const ADDON: Readonly<{ from: string; file: string }>;
