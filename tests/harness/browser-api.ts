// TEST/DEV HARNESS ONLY (never in the packaged app): window.api for the renderer running in a plain
// browser. The same client as the preload (preload/client.ts), over loopback HTTP instead of IPC.
// (Unlike IPC, two HTTP requests may arrive out of order: a cancel sent in the same instant as its
// request can miss it. The UI cancels only once a request runs.)
import type { DownloadProgress } from '../../preload/api';
import { createApi } from '../../preload/client';

const post = (path: string, body: unknown) =>
  fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/**
 * The server answers a request with NDJSON lines: {token} (a request's text) or {progress} (a download's)
 * while it runs, then {result}.
 */
async function readStream(response: Response, on: { token?: (text: string) => void; progress?: (p: DownloadProgress) => void }): Promise<unknown> {
  if (!response.body) throw new Error('no body');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error('the stream ended without a result');
    buffered += value;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, nl)) as { token?: string; progress?: DownloadProgress; result?: unknown };
      buffered = buffered.slice(nl + 1);
      if (line.result) return line.result;
      if (line.token !== undefined) on.token?.(line.token);
      if (line.progress !== undefined) on.progress?.(line.progress);
    }
  }
}

/**
 * A browser page can't print itself to a file the way Electron's main does (printToPDF): exportPdf
 * answers so, at once. (The e2e tests check the same print stylesheet with Chromium's own PDF output.)
 */
const NO_PDF = {
  ok: false,
  error: {
    code: 'ENGINE_ACTION_FAILED',
    message: "Saving as PDF works in the Samsara app, not in this test page. Use your browser's Print (Ctrl+P) and choose Save as PDF.",
  },
} as const;

const api = createApi({
  request: (action, envelope, onToken) => post(`/api/${action}`, envelope).then((r) => readStream(r, { token: onToken })),
  download: (envelope, onProgress) => post('/api/downloadModel', envelope).then((r) => readStream(r, { progress: onProgress })),
  cancel: (ticket) => post('/api/cancel', ticket),
  invoke: (action, argument) =>
    action === 'exportPdf' ? Promise.resolve(NO_PDF) : post(`/api/${action}`, argument ?? null).then((r) => r.json()),
});

Object.defineProperty(window, 'api', { value: Object.freeze(api), enumerable: true });
