// window.api on top of a transport: IPC in the preload, loopback HTTP in the test harness. Tickets,
// per-request streaming and cancel, and the rule that a call never rejects live here, once.
import type {
  ApiResult,
  CheckerAction,
  DownloadProgress,
  HistoryAction,
  HealthReport,
  InstalledModel,
  ModelAction,
  PendingRequest,
  ProviderAction,
  ProviderSettings,
  RequestAction,
  RequestEnvelope,
  RequestOptions,
  SamsaraApi,
  Settings,
  SettingsAction,
  UpdateAction,
  UpdateStatus,
} from './api';

/** The calls that are one quick answer (no ticket, stream or cancel). */
export type InvokeAction = 'healthCheck' | HistoryAction | CheckerAction | SettingsAction | ModelAction | ProviderAction | UpdateAction | 'exportPdf';

export interface Transport {
  /** Sends one request; `onToken` receives its streamed text. Rejects when main can't be reached. */
  request(action: RequestAction, envelope: RequestEnvelope, onToken?: (text: string) => void): Promise<unknown>;
  /** downloadModel: a request whose stream is progress events instead of text. */
  download(envelope: RequestEnvelope, onProgress?: (progress: DownloadProgress) => void): Promise<unknown>;
  cancel(ticket: string): Promise<unknown>;
  /** healthCheck, a history action with its id, or a checker action with its argument. */
  invoke(action: InvokeAction, argument?: unknown): Promise<unknown>;
}

const UNREACHABLE: ApiResult<never> = {
  ok: false,
  error: { code: 'ENGINE_ACTION_FAILED', message: 'The window could not reach Samsara. Restart the app.' },
};

/**
 * Calls `send` now (a cancel() right after must reach main after its request, so no deferral), with a
 * synchronous throw turned into a rejection.
 */
function attempt(send: () => Promise<unknown>): Promise<unknown> {
  try {
    return send();
  } catch (e) {
    return Promise.reject(e);
  }
}

export function createApi(transport: Transport): SamsaraApi {

  /**
   * A ticketed call (a request or a download): `send` gets the envelope and the page's listener (called
   * safely: a page callback that throws must not stop the stream); cancel() names the same ticket.
   */
  function pending<T, E>(send: (envelope: RequestEnvelope, deliver?: (event: E) => void) => Promise<unknown>, payload: unknown, listener: unknown): PendingRequest<T> {
    // Unique across page loads: main keys running requests by window and ticket, and a reloaded
    // page must not collide with a request its previous load left running.
    const ticket = crypto.randomUUID();
    const callback = typeof listener === 'function' ? (listener as (event: E) => void) : undefined;
    const deliver =
      callback &&
      ((event: E) => {
        try {
          callback(event);
        } catch {
          // The page's callback failing must not stop the stream.
        }
      });
    const envelope: RequestEnvelope = { ticket, payload, stream: callback !== undefined };
    const result = attempt(() => send(envelope, deliver)).then(
      (r) => r as ApiResult<T>,
      () => UNREACHABLE,
    );
    return {
      then: (onResult, onError) => result.then(onResult, onError),
      cancel: () => void transport.cancel(ticket).catch(() => undefined),
    };
  }

  function request<T>(action: RequestAction, payload: unknown, options?: RequestOptions): PendingRequest<T> {
    return pending<T, string>((envelope, deliver) => transport.request(action, envelope, deliver), payload, options?.onToken);
  }

  function invoke<T>(action: InvokeAction, argument?: unknown): Promise<ApiResult<T>> {
    return attempt(() => transport.invoke(action, argument)).then(
      (r) => r as ApiResult<T>,
      () => UNREACHABLE,
    );
  }

  return {
    assessEssay: (input, options) => request('assessEssay', input, options),
    chat: (input, options) => request('chat', input, options),
    generateFeedbackSummary: (input, options) => request('generateFeedbackSummary', input, options),
    healthCheck: () => invoke<HealthReport>('healthCheck'),
    listAssessments: (fileId) => invoke('listAssessments', fileId),
    listChat: (fileId) => invoke('listChat', fileId),
    clearChat: (fileId) => invoke('clearChat', fileId),
    deleteEssay: (fileId) => invoke('deleteEssay', fileId),
    deleteAssessment: (id) => invoke('deleteAssessment', id),
    checkText: (input) => invoke('checkText', input),
    addWord: (word) => invoke('addWord', word),
    removeWord: (word) => invoke('removeWord', word),
    listWords: () => invoke('listWords'),
    getSettings: () => invoke<Settings>('getSettings'),
    setSettings: (patch) => invoke<Settings>('setSettings', patch),
    openHistoryFolder: () => invoke<void>('openHistoryFolder'),
    exportPdf: (input) => invoke('exportPdf', input ?? {}),
    listModels: () => invoke('listModels'),
    downloadModel: (idOrSpec, options) =>
      pending<InstalledModel, DownloadProgress>((envelope, deliver) => transport.download(envelope, deliver), idOrSpec, options?.onProgress),
    addModelFile: () => invoke('addModelFile'),
    removeModel: (id) => invoke('removeModel', id),
    selectModel: (id) => invoke('selectModel', id),
    getProvider: () => invoke<ProviderSettings>('getProvider'),
    setProvider: (patch) => invoke<ProviderSettings>('setProvider', patch),
    testProvider: (input) => invoke('testProvider', input),
    getUpdates: () => invoke<UpdateStatus>('getUpdates'),
    setUpdates: (patch) => invoke<UpdateStatus>('setUpdates', patch),
  };
}
