// The bridge: window.api with exactly the functions of preload/api.ts, each on its own IPC channel.
// ipcRenderer itself never reaches the page. Runs sandboxed, so it is bundled into one file whose only
// import is 'electron'.
import { contextBridge, ipcRenderer } from 'electron';
import {
  CHANNELS,
  type ApiResult,
  type PendingRequest,
  type RequestAction,
  type RequestEnvelope,
  type RequestOptions,
  type SamsaraApi,
} from './api';

const listeners = new Map<string, (text: string) => void>();
let nextTicket = 0;

ipcRenderer.on(CHANNELS.token, (_event, ticket: unknown, text: unknown) => {
  if (typeof ticket === 'string' && typeof text === 'string') listeners.get(ticket)?.(text);
});

const unreachable = <T>(): ApiResult<T> => ({
  ok: false,
  error: { code: 'ENGINE_ACTION_FAILED', message: 'The window could not reach Samsara. Restart the app.' },
});

function request<T>(action: RequestAction, payload: unknown, options?: RequestOptions): PendingRequest<T> {
  const ticket = `r${++nextTicket}`;
  const onToken = typeof options?.onToken === 'function' ? options.onToken : undefined;
  if (onToken) {
    listeners.set(ticket, (text) => {
      try {
        onToken(text);
      } catch {
        // The page's callback failing must not stop the stream.
      }
    });
  }
  const envelope: RequestEnvelope = { ticket, payload, stream: onToken !== undefined };
  const result = (ipcRenderer.invoke(CHANNELS[action], envelope) as Promise<ApiResult<T>>)
    .catch(() => unreachable<T>())
    .finally(() => listeners.delete(ticket));
  return {
    result,
    cancel: () => {
      ipcRenderer.invoke(CHANNELS.cancel, ticket).catch(() => undefined);
    },
  };
}

const api: SamsaraApi = {
  assessEssay: (input, options) => request('assessEssay', input, options),
  chat: (input, options) => request('chat', input, options),
  generateFeedbackSummary: (input, options) => request('generateFeedbackSummary', input, options),
  healthCheck: () =>
    (ipcRenderer.invoke(CHANNELS.healthCheck) as Promise<ApiResult<never>>).catch(() => unreachable()),
};

contextBridge.exposeInMainWorld('api', api);
