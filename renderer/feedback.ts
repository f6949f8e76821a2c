// The essay panel and the feedback panel: Assess, the comment list, highlights in the essay text, the
// summary. After an assessment the essay shows read-only with its highlights; "Edit text" goes back to
// the editor (edited text makes the highlights stale, so they are only shown for the assessed text).
import type { Assessment, Comment, PendingRequest } from '../preload/api';
import { byId, el } from './dom';
import { highlightPieces } from './highlight';
import { showError } from './toast';

const DRAFT_KEY = 'samsara.draft';

const input = byId<HTMLTextAreaElement>('essay-input');
const view = byId('essay-view');
const assessButton = byId<HTMLButtonElement>('assess');
const cancelButton = byId<HTMLButtonElement>('assess-cancel');
const editButton = byId<HTMLButtonElement>('edit');
const meta = byId('essay-meta');
const list = byId<HTMLOListElement>('comments');
const summary = byId('summary');
const metrics = byId('metrics');
const empty = byId('feedback-empty');

let fileId = crypto.randomUUID();
let assessed: { text: string; comments: Comment[] } | null = null;
let running: PendingRequest<Assessment> | null = null;

export function essayText(): string {
  return input.value;
}

export function currentFileId(): string {
  return fileId;
}

export function startFeedback(): void {
  input.value = localStorage.getItem(DRAFT_KEY) ?? '';
  updateMeta();
  input.addEventListener('input', () => {
    localStorage.setItem(DRAFT_KEY, input.value);
    updateMeta();
  });
  assessButton.addEventListener('click', () => void assess());
  cancelButton.addEventListener('click', () => running?.cancel());
  editButton.addEventListener('click', () => showEditor());
}

function updateMeta(): void {
  const words = input.value.trim() ? input.value.trim().split(/\s+/u).length : 0;
  meta.textContent = `${words} words · ${input.value.length.toLocaleString('en-US')} characters`;
}

async function assess(): Promise<void> {
  const text = input.value;
  if (!text.trim()) {
    showError({ code: 'INVALID_REQUEST', message: 'Write or paste an essay first.' });
    return;
  }
  if (assessed && assessed.text !== text) fileId = crypto.randomUUID();
  setRunning(true);
  running = window.api.assessEssay({ fileId, text });
  const r = await running;
  running = null;
  setRunning(false);
  if (!r.ok) {
    showError(r.error);
    return;
  }
  assessed = { text, comments: r.data.comments };
  renderFeedback(r.data);
  showAnnotated();
}

function setRunning(on: boolean): void {
  assessButton.disabled = on;
  assessButton.textContent = on ? 'Assessing…' : 'Assess';
  cancelButton.hidden = !on;
  input.readOnly = on;
}

const RULE_LABELS: Record<string, string> = {
  misspelling: 'Spelling',
  'double-word': 'Doubled word',
  'repeated-word': 'Repetition',
  'long-sentence': 'Long sentence',
  'repeated-opening': 'Sentence openings',
  'passive-voice': 'Passive voice',
  'one-sentence-paragraph': 'Paragraphing',
};

function badge(c: Comment): string {
  if (c.source === 'rules') return RULE_LABELS[c.rule ?? ''] ?? 'Analysis';
  return c.kind === 'inline' ? 'Tutor · in the text' : 'Tutor · overall';
}

function renderFeedback(a: Assessment): void {
  empty.hidden = true;
  summary.hidden = !a.summary;
  summary.replaceChildren(el('h3', {}, 'Summary'), el('p', {}, a.summary ?? ''));
  const m = a.metrics;
  metrics.hidden = !m;
  if (m) {
    metrics.textContent = `${m.words} words · ${m.sentences} sentences · ${m.paragraphs} paragraphs · ${m.avgSentenceLength} words per sentence · reading ease ${m.fleschReadingEase} · grade ${m.fleschKincaidGrade}`;
  }
  list.replaceChildren(
    ...a.comments.map((c, i) => {
      const item = el(
        'li',
        {
          class: `comment ${c.kind} ${c.source ?? ''}`,
          'data-testid': 'comment',
          'data-kind': c.kind,
          'data-source': c.source,
          'data-index': String(i),
          tabindex: '0',
        },
        el('span', { class: 'badge' }, badge(c)),
        el('p', {}, c.content),
      );
      if (c.anchor) item.append(el('blockquote', {}, c.anchor.quote));
      item.addEventListener('click', () => focusComment(i));
      item.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') focusComment(i);
      });
      return item;
    }),
  );
}

function showAnnotated(): void {
  if (!assessed) return;
  view.replaceChildren(
    ...highlightPieces(assessed.text, assessed.comments).map((p) => {
      if (!('comment' in p)) return document.createTextNode(p.text);
      const mark = el('mark', { 'data-testid': 'highlight', 'data-index': String(p.comment) }, p.text);
      mark.addEventListener('click', () => focusComment(p.comment));
      return mark;
    }),
  );
  input.hidden = true;
  view.hidden = false;
  editButton.hidden = false;
}

function showEditor(): void {
  view.hidden = true;
  input.hidden = false;
  editButton.hidden = true;
  input.focus();
}

/** Shows a comment's span: the essay switches to the annotated view and the span is marked active. */
function focusComment(index: number): void {
  if (assessed && input.value === assessed.text && view.hidden) showAnnotated();
  for (const node of document.querySelectorAll('.active')) node.classList.remove('active');
  const item = list.querySelector(`[data-index="${index}"]`);
  item?.classList.add('active');
  item?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  const mark = view.hidden ? null : view.querySelector(`mark[data-index="${index}"]`);
  if (mark) {
    mark.classList.add('active');
    mark.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }
}
