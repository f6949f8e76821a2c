// window.api on top of a transport: IPC in the preload, loopback HTTP in the test harness. Tickets,
// per-request streaming and cancel, and the rule that a call never rejects live here, once.
import type {
  ApiResult,
  CheckerAction,
  HistoryAction,
  HealthReport,
  PendingRequest,
  RequestAction,
  RequestEnvelope,
  RequestOptions,
  SamsaraApi,
  Settings,
  SettingsAction,
} from './api';

/** The calls that are one quick answer (no ticket, stream or cancel). */
export type InvokeAction = 'healthCheck' | HistoryAction | CheckerAction | SettingsAction | 'exportPdf';

export interface Transport {
  /** Sends one request; `onToken` receives its streamed text. Rejects when main can't be reached. */
  request(action: RequestAction, envelope: RequestEnvelope, onToken?: (text: string) => void): Promise<unknown>;
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

  function request<T>(action: RequestAction, payload: unknown, options?: RequestOptions): PendingRequest<T> {
    // Unique across page loads: main keys running requests by window and ticket, and a reloaded
    // page must not collide with a request its previous load left running.
    const ticket = crypto.randomUUID();
    const onToken = typeof options?.onToken === 'function' ? options.onToken : undefined;
    const deliver =
      onToken &&
      ((text: string) => {
        try {
          onToken(text);
        } catch {
          // The page's callback failing must not stop the stream.
        }
      });
    const envelope: RequestEnvelope = { ticket, payload, stream: onToken !== undefined };
    const result = attempt(() => transport.request(action, envelope, deliver)).then(
        (r) => r as ApiResult<T>,
        () => UNREACHABLE,
      );
    return {
      then: (onResult, onError) => result.then(onResult, onError),
      cancel: () => void transport.cancel(ticket).catch(() => undefined),
    };
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
  };
}
