// The chat panel: the reply streams into its bubble as it is generated; Stop cancels it.
import type { PendingRequest } from '../preload/api';
import { byId, el } from './dom';
import { currentFileId, essayText } from './feedback';
import { showError } from './toast';

const log = byId<HTMLOListElement>('chat-log');
const form = byId<HTMLFormElement>('chat-form');
const input = byId<HTMLTextAreaElement>('chat-input');
const send = byId<HTMLButtonElement>('chat-send');
const stop = byId<HTMLButtonElement>('chat-cancel');

let running: PendingRequest<{ reply: string }> | null = null;

export function startChat(): void {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ask();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void ask();
    }
  });
  stop.addEventListener('click', () => running?.cancel());
}

function bubble(role: 'user' | 'assistant', text: string): HTMLLIElement {
  const item = el('li', { class: `msg ${role}`, 'data-testid': 'chat-message', 'data-role': role }, text);
  log.append(item);
  item.scrollIntoView({ block: 'end' });
  return item;
}

async function ask(): Promise<void> {
  const message = input.value.trim();
  if (!message || running) return;
  input.value = '';
  bubble('user', message);
  const reply = bubble('assistant', '');
  reply.classList.add('streaming');
  const context = essayText();
  setRunning(true);
  let streamed = '';
  running = window.api.chat(
    { fileId: currentFileId(), message, ...(context.trim() ? { contextText: context } : {}) },
    {
      onToken: (text) => {
        streamed += text;
        reply.textContent = streamed;
        reply.scrollIntoView({ block: 'end' });
      },
    },
  );
  const r = await running;
  running = null;
  setRunning(false);
  reply.classList.remove('streaming');
  if (r.ok) {
    reply.textContent = r.data.reply;
  } else if (r.error.code === 'CANCELLED') {
    reply.dataset.cancelled = 'true';
    reply.append(el('em', { class: 'note' }, streamed ? ' (stopped)' : 'Stopped.'));
  } else {
    reply.remove();
    showError(r.error);
  }
}

function setRunning(on: boolean): void {
  send.disabled = on;
  stop.disabled = !on;
}
