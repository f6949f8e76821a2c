// The bridge: window.api (preload/client.ts) over one IPC channel per action. ipcRenderer itself never
// reaches the page. Runs sandboxed, so it is bundled into one file whose only import is 'electron'.
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS, type DownloadProgress } from './api';
import { createApi } from './client';

/** Streamed text by ticket, for the requests of this window that asked for it. */
const listeners = new Map<string, (text: string) => void>();
/** Progress events by ticket, for this window's downloads that asked for them. */
const progressListeners = new Map<string, (progress: DownloadProgress) => void>();

ipcRenderer.on(CHANNELS.token, (_event, ticket: unknown, text: unknown) => {
  if (typeof ticket === 'string' && typeof text === 'string') listeners.get(ticket)?.(text);
});

const count = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
ipcRenderer.on(CHANNELS.progress, (_event, ticket: unknown, p: unknown) => {
  if (typeof ticket !== 'string' || typeof p !== 'object' || p === null) return;
  const { bytes, total, bytesPerSecond, etaSeconds } = p as Record<string, unknown>;
  if (!count(bytes) || !count(bytesPerSecond) || !(total === null || count(total)) || !(etaSeconds === null || count(etaSeconds))) return;
  // A fresh object of the four numbers (nothing else of main's reaches the page).
  progressListeners.get(ticket)?.({ bytes, total, bytesPerSecond, etaSeconds } as DownloadProgress);
});

const api = createApi({
  request: (action, envelope, onToken) => {
    if (onToken) listeners.set(envelope.ticket, onToken);
    return ipcRenderer.invoke(CHANNELS[action], envelope).finally(() => listeners.delete(envelope.ticket));
  },
  download: (envelope, onProgress) => {
    if (onProgress) progressListeners.set(envelope.ticket, onProgress);
    return ipcRenderer.invoke(CHANNELS.downloadModel, envelope).finally(() => progressListeners.delete(envelope.ticket));
  },
  cancel: (ticket) => ipcRenderer.invoke(CHANNELS.cancel, ticket),
  invoke: (action, argument) => ipcRenderer.invoke(CHANNELS[action], argument),
});

contextBridge.exposeInMainWorld('api', api);
