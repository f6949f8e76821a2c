// The school server's part of the contract (window.api.getProvider / setProvider / testProvider, and
// which provider answered a request): pure types, the one definition. electron/provider-settings.ts
// implements them in main (and in plain Node); the renderer shows them. No Node or Electron imports
// here: the renderer's tsconfig compiles this file without Node's types.
// The addon's own parts (listProviderModels, the results' answeredBy / fallbackReason) are its types.
import type { Answered, listProviderModels } from '../native/index';

/** Where chat, the model's comments and summaries are computed ('local': this computer's model). */
export type ProviderKind = 'local' | 'openai-compatible';

/**
 * Where the school server's API key is kept: 'encrypted' in the settings file (Electron safeStorage),
 * 'session' in main's memory only (this computer can't encrypt it; gone when Samsara closes), 'none'.
 */
export type KeyStorage = 'encrypted' | 'session' | 'none';

/** getProvider's answer. Never the key itself: only whether there is one and where it is kept. */
export interface ProviderSettings {
  kind: ProviderKind;
  /** The API's root, e.g. `https://llm.school.example/v1` (kept while the kind is local, for switching back). */
  baseUrl: string;
  /** The server's model name. */
  model: string;
  /** When the school server fails, this computer's model answers instead. */
  fallbackToLocal: boolean;
  /** One HTTP request's limit in ms; absent: the engine's default (60 s). */
  timeoutMs?: number;
  hasKey: boolean;
  keyStorage: KeyStorage;
  /** Whether this computer can encrypt a key (false: a key is kept for this session only). */
  encryptionAvailable: boolean;
}

/** setProvider's argument: the fields to change, a new key, or clearKey to forget the saved one. */
export interface ProviderPatch {
  kind?: ProviderKind;
  baseUrl?: string;
  model?: string;
  fallbackToLocal?: boolean;
  timeoutMs?: number;
  /** A new key (replaces the saved one). Never sent back. */
  apiKey?: string;
  /** Forgets the saved key. */
  clearKey?: true;
}

/** testProvider's argument: the address typed, and a key typed (else main uses the saved one). */
export interface ProviderTestInput {
  baseUrl: string;
  apiKey?: string;
}

/** testProvider's answer: the server's model names (GET {baseUrl}/models). */
export interface ProviderTestResult {
  models: string[];
}

/** The argument of the addon's `listProviderModels` (GET {baseUrl}/models). */
export type ProviderModelsQuery = Parameters<typeof listProviderModels>[0];

/** Who answered a request, and why this computer did when the school server failed (fallbackToLocal). */
export type AnsweredBy = Answered;
