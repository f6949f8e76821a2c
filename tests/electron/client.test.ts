// window.api's request tickets (preload/client.ts): main keys running requests by window and ticket,
// so a page reloaded while a request (or download) of its previous load still runs must not reuse that ticket.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createApi, type Transport } from '../../preload/client';
import type { RequestEnvelope } from '../../preload/api';

function recordingTransport(seen: string[]): Transport {
  return {
    request: (_action, envelope: RequestEnvelope) => {
      seen.push(envelope.ticket);
      return new Promise(() => undefined); // still running
    },
    download: (envelope: RequestEnvelope) => {
      seen.push(envelope.ticket);
      return new Promise(() => undefined);
    },
    cancel: async () => undefined,
    invoke: async () => ({ ok: true, data: null }),
  };
}

test('tickets are unique across page loads, not counters that restart', () => {
  const seen: string[] = [];
  // The same window before and after a reload: two window.api instances.
  for (const api of [createApi(recordingTransport(seen)), createApi(recordingTransport(seen))]) {
    void api.chat({ message: 'hi' });
    void api.assessEssay({ fileId: 'f', text: 'essay' });
    void api.downloadModel('a-model');
  }
  assert.equal(new Set(seen).size, seen.length, `tickets repeat: ${seen.join(', ')}`);
  for (const t of seen) assert.match(t, /^[0-9a-f-]{36}$/);
});
