// TEST/DEV HARNESS ONLY (never in the packaged app): window.api for the renderer running in a plain
// browser, talking to the harness server over loopback instead of IPC. Same functions, same results.
import type { ApiResult, PendingRequest, RequestAction, RequestOptions, SamsaraApi } from '../../preload/api';

let nextTicket = 0;

const unreachable = <T>(): ApiResult<T> => ({
  ok: false,
  error: { code: 'ENGINE_ACTION_FAILED', message: 'The window could not reach Samsara. Restart the app.' },
});

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The server answers a request with NDJSON lines: {token} while it streams, then {result}. */
async function readStream<T>(response: Response, onToken?: (text: string) => void): Promise<ApiResult<T>> {
  if (!response.body) return unreachable();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return unreachable();
    buffered += value;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffered.slice(0, nl)) as { token?: string; result?: ApiResult<T> };
      buffered = buffered.slice(nl + 1);
      if (line.result) return line.result;
      if (line.token !== undefined) {
        try {
          onToken?.(line.token);
        } catch {
          // as in the preload: the page's callback failing must not stop the stream
        }
      }
    }
  }
}

function request<T>(action: RequestAction, payload: unknown, options?: RequestOptions): PendingRequest<T> {
  const ticket = `r${++nextTicket}`;
  const onToken = typeof options?.onToken === 'function' ? options.onToken : undefined;
  const result = post(`/api/${action}`, { ticket, payload, stream: onToken !== undefined })
    .then((r) => readStream<T>(r, onToken))
    .catch(() => unreachable<T>());
  return { result, cancel: () => void post('/api/cancel', ticket).catch(() => undefined) };
}

const api: SamsaraApi = {
  assessEssay: (input, options) => request('assessEssay', input, options),
  chat: (input, options) => request('chat', input, options),
  generateFeedbackSummary: (input, options) => request('generateFeedbackSummary', input, options),
  healthCheck: () =>
    post('/api/healthCheck', null)
      .then((r) => r.json() as Promise<ApiResult<never>>)
      .catch(() => unreachable()),
};

Object.defineProperty(window, 'api', { value: Object.freeze(api), enumerable: true });
