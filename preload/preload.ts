// The bridge: window.api (preload/client.ts) over one IPC channel per action. ipcRenderer itself never
// reaches the page. Runs sandboxed, so it is bundled into one file whose only import is 'electron'.
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNELS } from './api';
import { createApi } from './client';

/** Streamed text by ticket, for the requests of this window that asked for it. */
const listeners = new Map<string, (text: string) => void>();

ipcRenderer.on(CHANNELS.token, (_event, ticket: unknown, text: unknown) => {
  if (typeof ticket === 'string' && typeof text === 'string') listeners.get(ticket)?.(text);
});

const api = createApi({
  request: (action, envelope, onToken) => {
    if (onToken) listeners.set(envelope.ticket, onToken);
    return ipcRenderer.invoke(CHANNELS[action], envelope).finally(() => listeners.delete(envelope.ticket));
  },
  cancel: (ticket) => ipcRenderer.invoke(CHANNELS.cancel, ticket),
  invoke: (action, argument) => ipcRenderer.invoke(CHANNELS[action], argument),
});

contextBridge.exposeInMainWorld('api', api);
