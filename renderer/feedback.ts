// The essay panel and the feedback panel: the essay picker, Assess, the comment list, highlights in
// the essay text, the summary, and the essay's saved assessments. After an assessment the essay shows
// read-only with its highlights; "Edit text" goes back to the editor (edited text makes the highlights
// stale, so they are only shown for the text that was assessed, checked by its hash).
import type { Assessment, Comment, PendingRequest, StoredAssessment } from '../preload/api';
import { byId, el } from './dom';
import { currentEssay, listEssays, newEssay, openEssay, saveText, textHash, titleOf, type EssayDraft } from './essays';
import { highlightPieces } from './highlight';
import { showError } from './toast';

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
const note = byId('feedback-note');
const picker = byId<HTMLSelectElement>('essay-picker');
const newButton = byId<HTMLButtonElement>('new-essay');
const history = byId<HTMLDetailsElement>('history');
const historyList = byId<HTMLOListElement>('history-list');
const historyCount = byId('history-count');

let essay: EssayDraft;
let assessed: { text: string; comments: Comment[] } | null = null;
let running: PendingRequest<Assessment> | null = null;
let onOpen: (fileId: string) => void = () => undefined;

export function essayText(): string {
  return input.value;
}

export function currentFileId(): string {
  return essay.fileId;
}

/** `opened` runs whenever an essay is shown (at start, on switching, for a new one). */
export function startFeedback(opened: (fileId: string) => void): void {
  onOpen = opened;
  input.addEventListener('input', () => {
    saveText(essay.fileId, input.value);
    updateMeta();
    const option = picker.selectedOptions[0];
    if (option) option.textContent = titleOf({ ...essay, text: input.value });
  });
  assessButton.addEventListener('click', () => void assess());
  cancelButton.addEventListener('click', () => running?.cancel());
  editButton.addEventListener('click', () => showEditor());
  picker.addEventListener('change', () => {
    const next = openEssay(picker.value);
    if (next) void show(next);
  });
  newButton.addEventListener('click', () => void show(newEssay()));
  void show(currentEssay());
}

/** Shows an essay: its text, its saved assessments (the newest one opened) and, via onOpen, its chat. */
async function show(next: EssayDraft): Promise<void> {
  essay = next;
  input.value = next.text;
  updateMeta();
  renderPicker();
  clearFeedback();
  showEditor(false);
  onOpen(next.fileId);
  const r = await window.api.listAssessments(next.fileId);
  if (essay.fileId !== next.fileId) return; // switched again meanwhile
  if (!r.ok) {
    showError(r.error);
    return;
  }
  renderHistory(r.data);
  const latest = r.data[0];
  if (latest) await showStored(latest);
}

function renderPicker(): void {
  picker.replaceChildren(
    ...listEssays().map((e) =>
      el('option', { value: e.fileId, selected: e.fileId === essay.fileId }, titleOf(e.fileId === essay.fileId ? { ...e, text: input.value } : e)),
    ),
  );
}

function clearFeedback(): void {
  assessed = null;
  empty.hidden = false;
  summary.hidden = true;
  metrics.hidden = true;
  note.hidden = true;
  list.replaceChildren();
  history.hidden = true;
  historyList.replaceChildren();
}

/** A saved assessment; its highlights only if it is about the text as it is now. */
async function showStored(a: StoredAssessment): Promise<void> {
  const text = input.value;
  const current = (await textHash(text)) === a.textHash;
  renderFeedback(a);
  note.hidden = current;
  note.textContent = current ? '' : 'This feedback is about an earlier version of the text; assess again to update it.';
  for (const item of historyList.querySelectorAll('[data-id]')) {
    item.classList.toggle('shown', (item as HTMLElement).dataset.id === a.id);
  }
  if (current) {
    assessed = { text, comments: a.comments };
    showAnnotated();
  } else {
    assessed = null;
  }
}

function renderHistory(saved: StoredAssessment[]): void {
  history.hidden = saved.length === 0;
  historyCount.textContent = String(saved.length);
  historyList.replaceChildren(
    ...saved.map((a) => {
      const when = new Date(a.createdAt).toLocaleString();
      const button = el(
        'button',
        { type: 'button', class: 'link' },
        `${when} · ${a.comments.length} comments · ${a.model}`,
      );
      button.addEventListener('click', () => void showStored(a));
      return el('li', { 'data-testid': 'past-assessment', 'data-id': a.id }, button);
    }),
  );
}

async function refreshHistory(): Promise<void> {
  const fileId = essay.fileId;
  const r = await window.api.listAssessments(fileId);
  if (r.ok && essay.fileId === fileId) {
    renderHistory(r.data);
    historyList.querySelector('[data-id]')?.classList.add('shown');
  }
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
  setRunning(true);
  running = window.api.assessEssay({ fileId: essay.fileId, text });
  const r = await running;
  running = null;
  setRunning(false);
  if (!r.ok) {
    showError(r.error);
    return;
  }
  assessed = { text, comments: r.data.comments };
  renderFeedback(r.data);
  note.hidden = true;
  showAnnotated();
  await refreshHistory();
}

function setRunning(on: boolean): void {
  assessButton.disabled = on;
  assessButton.textContent = on ? 'Assessing…' : 'Assess';
  cancelButton.hidden = !on;
  input.readOnly = on;
  picker.disabled = on;
  newButton.disabled = on;
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

function showEditor(focus = true): void {
  view.hidden = true;
  input.hidden = false;
  editButton.hidden = true;
  if (focus) input.focus();
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
