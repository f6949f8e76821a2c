// The chat panel: the reply streams into its bubble as it is generated; Stop cancels it.
import type { AnsweredBy, ChatReply, PendingRequest } from '../preload/api';
import { announcePolite } from './announce';
import { answeredByNote } from './answered-by';
import { answeredNote } from './provider-text';
import { byId, el } from './dom';
import { currentFileId, essayText } from './feedback';
import { clipTo, LIMITS, watchLimit } from './limits';
import { isSubmitKey } from './shortcuts';
import { showError } from './toast';

const log = byId<HTMLOListElement>('chat-log');
const form = byId<HTMLFormElement>('chat-form');
const input = byId<HTMLTextAreaElement>('chat-input');
const send = byId<HTMLButtonElement>('chat-send');
const stop = byId<HTMLButtonElement>('chat-cancel');

const clear = byId<HTMLButtonElement>('chat-clear');
const limitNote = byId('chat-limit');
/** Whether the question is over its limit (then Send is disabled and the note under the box says so). */
let tooLong: () => boolean = () => false;

let running: PendingRequest<ChatReply & AnsweredBy> | null = null;
/** The essay whose chat is shown. */
let shownFor = '';

export function startChat(): void {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void ask();
  });
  input.addEventListener('keydown', (e) => {
    // Enter sends (Shift+Enter: a new line); so does Ctrl/Cmd+Enter, as in the essay.
    if ((e.key === 'Enter' && !e.shiftKey && !e.isComposing) || isSubmitKey(e)) {
      e.preventDefault();
      void ask();
    }
  });
  stop.addEventListener('click', () => running?.cancel());
  clear.addEventListener('click', () => void clearChat());
  tooLong = watchLimit({
    box: input,
    note: limitNote,
    max: LIMITS.message,
    what: 'Your question',
    fix: 'shorten it to send it.',
    changed: () => setRunning(running !== null),
  });
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

/**
 * A message: who said it (for screen readers; the bubble's side and colour show it), then its text in
 * a span of its own, so notes (stopped, cut off) can follow it. dir=auto: an Arabic or Hebrew message
 * reads right to left.
 */
function bubble(role: 'user' | 'assistant', text: string): { item: HTMLLIElement; body: HTMLSpanElement } {
  const body = el('span', { class: 'msg-text' }, text);
  // dir="ltr" keeps the label out of the bubble's own direction (dir="auto" looks at the message).
  const who = el('span', { class: 'visually-hidden', dir: 'ltr' }, role === 'user' ? 'You: ' : 'Tutor: ');
  const item = el('li', { class: `msg ${role}`, 'data-testid': 'chat-message', 'data-role': role, dir: 'auto' }, who, body);
  log.append(item);
  item.scrollIntoView({ block: 'end' });
  return { item, body };
}

async function ask(): Promise<void> {
  const message = input.value.trim();
  if (!message || running || tooLong()) return;
  input.value = '';
  tooLong(); // the counter under the box follows
  bubble('user', message);
  const { item: reply, body } = bubble('assistant', '');
  reply.classList.add('streaming');
  // An essay over its limit: the tutor gets as much as a request may carry (it reads the start anyway).
  const context = clipTo(essayText(), LIMITS.text);
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
    const from = answeredByNote(r.data);
    const said = answeredNote(r.data);
    announcePolite(`Tutor: ${r.data.reply}${said ? ` (${said.text.replace(/\.$/, '')})` : ''}`);
    clear.disabled = false;
    if (r.data.finishReason) reply.dataset.finish = r.data.finishReason;
    if (r.data.finishReason === 'length') {
      // The token limit stopped the answer mid-way: say so, in words (not only a style).
      reply.append(el('em', { class: 'msg-note', 'data-testid': 'chat-cutoff' }, ' — cut off (length limit)'));
    }
    if (from) reply.append(from);
    if (r.data.saved === false) {
      // The history file did not take it: the answer is here now, but not after a restart.
      reply.dataset.saved = 'false';
      reply.append(el('em', { class: 'msg-note', 'data-testid': 'chat-not-saved' }, ' Not saved to your history: this question and answer won’t be here when you reopen the essay.'));
    }
  } else if (r.error.code === 'CANCELLED') {
    reply.dataset.cancelled = 'true';
    reply.append(el('em', { class: 'msg-note' }, streamed ? ' (stopped)' : 'Stopped.'));
    announcePolite('The answer was stopped.');
  } else {
    reply.remove();
    showError(r.error);
  }
}

function setRunning(on: boolean): void {
  send.disabled = on || tooLong();
  stop.disabled = !on;
  // Busy while the answer streams in: read it once, when it is complete (announcePolite).
  log.setAttribute('aria-busy', String(on));
}
