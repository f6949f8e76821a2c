// The chat panel: the reply streams into its bubble as it is generated; Stop cancels it.
import type { ChatReply, PendingRequest } from '../preload/api';
import { byId, el } from './dom';
import { currentFileId, essayText } from './feedback';
import { showError } from './toast';

const log = byId<HTMLOListElement>('chat-log');
const form = byId<HTMLFormElement>('chat-form');
const input = byId<HTMLTextAreaElement>('chat-input');
const send = byId<HTMLButtonElement>('chat-send');
const stop = byId<HTMLButtonElement>('chat-cancel');

const clear = byId<HTMLButtonElement>('chat-clear');

let running: PendingRequest<ChatReply> | null = null;
/** The essay whose chat is shown. */
let shownFor = '';

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
  clear.addEventListener('click', () => void clearChat());
}

/** Shows the saved chat of an essay (when it is opened or reopened). */
export async function restoreChat(fileId: string): Promise<void> {
  running?.cancel();
  shownFor = fileId;
  log.replaceChildren();
  const r = await window.api.listChat(fileId);
  if (shownFor !== fileId) return;
  if (!r.ok) {
    showError(r.error);
    return;
  }
  for (const m of r.data) bubble(m.role, m.content);
  clear.disabled = r.data.length === 0;
}

async function clearChat(): Promise<void> {
  const fileId = currentFileId();
  const r = await window.api.clearChat(fileId);
  if (!r.ok) {
    showError(r.error);
    return;
  }
  if (shownFor === fileId) log.replaceChildren();
  clear.disabled = true;
}

/** A message: its text in a span of its own, so notes (stopped, cut off) can follow it. */
function bubble(role: 'user' | 'assistant', text: string): { item: HTMLLIElement; body: HTMLSpanElement } {
  const body = el('span', { class: 'msg-text' }, text);
  const item = el('li', { class: `msg ${role}`, 'data-testid': 'chat-message', 'data-role': role }, body);
  log.append(item);
  item.scrollIntoView({ block: 'end' });
  return { item, body };
}

async function ask(): Promise<void> {
  const message = input.value.trim();
  if (!message || running) return;
  input.value = '';
  bubble('user', message);
  const { item: reply, body } = bubble('assistant', '');
  reply.classList.add('streaming');
  const context = essayText();
  setRunning(true);
  let streamed = '';
  running = window.api.chat(
    { fileId: currentFileId(), message, ...(context.trim() ? { contextText: context } : {}) },
    {
      onToken: (text) => {
        streamed += text;
        body.textContent = streamed;
        reply.scrollIntoView({ block: 'end' });
      },
    },
  );
  const r = await running;
  running = null;
  setRunning(false);
  reply.classList.remove('streaming');
  if (r.ok) {
    body.textContent = r.data.reply;
    clear.disabled = false;
    if (r.data.finishReason) reply.dataset.finish = r.data.finishReason;
    if (r.data.finishReason === 'length') {
      // The token limit stopped the answer mid-way: say so, in words (not only a style).
      reply.append(el('em', { class: 'msg-note', 'data-testid': 'chat-cutoff' }, ' — cut off (length limit)'));
    }
    if (r.data.saved === false) {
      // The history file did not take it: the answer is here now, but not after a restart.
      reply.dataset.saved = 'false';
      reply.append(el('em', { class: 'msg-note', 'data-testid': 'chat-not-saved' }, ' Not saved to your history: this question and answer won’t be here when you reopen the essay.'));
    }
  } else if (r.error.code === 'CANCELLED') {
    reply.dataset.cancelled = 'true';
    reply.append(el('em', { class: 'msg-note' }, streamed ? ' (stopped)' : 'Stopped.'));
  } else {
    reply.remove();
    showError(r.error);
  }
}

function setRunning(on: boolean): void {
  send.disabled = on;
  stop.disabled = !on;
}
