// The essay panel and the feedback panel: the essay picker and dialect, the editor with its live
// underlines (checked as the student types), Assess, the comment lists (the assessment's, and the
// checks as you type) with Apply / Ignore / Add to dictionary, Undo, the summary, and the essay's saved
// assessments. After an assessment the essay shows read-only with its highlights; "Edit text" goes back
// to the editor. Comments follow the text as it changes: anchors after an edit move with it, ones the
// edit touched are dropped (the next check brings back what still applies). Deleting: the whole essay
// (its text, saved assessments and chat; after an inline confirmation) or one saved assessment.
import {
  DIALECTS,
  type AnsweredBy,
  type Assessment,
  type Comment,
  type Dialect,
  type EssayMetrics,
  type PendingRequest,
  type StoredAssessment,
} from '../preload/api';
import { commentItem } from './comment-item';
import { byId, el } from './dom';
import {
  anchorMatches,
  applySuggestion,
  diffEdit,
  ignoreKey,
  isSpellingOfWord,
  sameFinding,
  shiftComments,
  type Edit,
} from './edits';
import {
  currentEssay,
  dropEmptyDrafts,
  isEmptyDraft,
  listEssays,
  newEssay,
  openEssay,
  removeEssay,
  saveText,
  textHash,
  titleOf,
  type EssayDraft,
} from './essays';
import { essayDates } from './essay-dates';
import { closeRename, startRename } from './essay-rename';
import type { ExportInput } from './export';
import { setExportAvailable, startExport } from './export-ui';
import { VersionNote } from './version-note';
import { spanPieces, type Span } from './highlight';
import { categoryOf, dialectLabel } from './labels';
import { LiveChecker, type LiveInput } from './live';
import { announcePolite } from './announce';
import { showAnsweredBy } from './answered-by';
import { countWords, metricsLine, plural, rememberEngineCount } from './numbers';
import { describeShortcut, isSubmitKey } from './shortcuts';
import { ignoredOf, saveDialect, saveIgnored, savedDialect } from './prefs';
import { loadSettings } from './settings';
import { assessBlock, assignmentInstruction, setAssignmentDisabled, showAssignment, showCounter, startAssignment } from './assignment';
import { LIMITS } from './limits';
import { markTutorRead, showTutorRead, type TutorRead } from './tutor-read';
import { showError } from './toast';
import { drawUnderlines, revealUnderline, startUnderlines, type Underline } from './underlines';

const input = byId<HTMLTextAreaElement>('essay-input');
const editor = byId('editor');
const view = byId('essay-view');
const assessButton = byId<HTMLButtonElement>('assess');
const cancelButton = byId<HTMLButtonElement>('assess-cancel');
const editButton = byId<HTMLButtonElement>('edit');
const meta = byId('essay-meta');
const list = byId<HTMLOListElement>('comments');
const liveSection = byId('live-section');
const liveList = byId<HTMLOListElement>('live-comments');
const summary = byId('summary');
const metrics = byId('metrics');
const answeredBy = byId('answered-by');
const empty = byId('feedback-empty');
const note = byId('feedback-note');
const deleteDates = byId<HTMLUListElement>('essay-delete-dates');
const picker = byId<HTMLSelectElement>('essay-picker');
const dialectSelect = byId<HTMLSelectElement>('dialect');
const newButton = byId<HTMLButtonElement>('new-essay');
const history = byId<HTMLDetailsElement>('history');
const historyList = byId<HTMLOListElement>('history-list');
const historyCount = byId('history-count');
const editMessage = byId('edit-message');
const undoButton = byId<HTMLButtonElement>('undo');
const ignoredNote = byId('ignored-note');
const ignoredCount = byId('ignored-count');
const ignoredRestore = byId<HTMLButtonElement>('ignored-restore');
const deleteButton = byId<HTMLButtonElement>('essay-delete');
const deletePanel = byId('essay-delete-panel');
const deleteQuestion = byId('essay-delete-question');
const deleteCancel = byId<HTMLButtonElement>('essay-delete-cancel');
const deleteConfirm = byId<HTMLButtonElement>('essay-delete-confirm');
const saveStatus = byId('save-status');

/** The checker refuses longer texts (checkText's limit). */
const MAX_CHECK = LIMITS.text;
const tutorNote = byId('tutor-read');

type Detected = Exclude<Dialect, 'auto'>;

/** The assessment in the panel. `current`: its anchors are spans of the text as it is now. */
interface Shown {
  comments: Comment[];
  summary?: string;
  metrics?: EssayMetrics;
  /** Present when the tutor read only the start of the essay (up to this UTF-16 offset). */
  tutorRead?: TutorRead;
  current: boolean;
}

/** The last live check, its comments moved along with the edits since. */
interface Live {
  comments: Comment[];
  dialect?: Detected;
}

/** What Undo puts back: the text and the comments as they were before an applied suggestion. */
interface UndoPoint {
  text: string;
  shown: Comment[] | null;
  live: Live | null;
  quote: string;
}

let essay: EssayDraft;
let shown: Shown | null = null;
let live: Live | null = null;
/** The editor's text at the last change we followed (to find the edit of the next one). */
let lastText = '';
let ignored = new Set<string>();
/** The personal dictionary (lower case): spelling comments on these words are not shown. */
const dictionary = new Set<string>();
let undoPoint: UndoPoint | null = null;
let running: PendingRequest<Assessment & AnsweredBy> | null = null;
/** The saved assessment in the panel (null: none, or one that was not saved). */
let shownId: string | null = null;
/** The essay's saved assessments, as last listed. */
let saved: StoredAssessment[] = [];
/** The last live-check error shown (shown once until a check works again). */
let liveError = '';
let onOpen: (fileId: string) => void = () => undefined;
/** Says when the feedback shown is about an earlier version of the text. */
const versionNote = new VersionNote(note, () => input.value);

const checker = new LiveChecker<Live>(
  () => ({ text: input.value, dialect: dialectSelect.value }),
  (i) => check(i),
  (_i, result) => {
    live = result;
    if (result.dialect) showDetected(result.dialect);
    render();
    if (!checker.busy) editor.dataset.check = 'done';
  },
);

/** Checks the text again, after a pause (typing) or now. The editor's data-check says where it is. */
function recheck(when: 'pause' | 'now'): void {
  editor.dataset.check = 'pending';
  if (when === 'pause') checker.schedule();
  else checker.now();
}

export function essayText(): string {
  return input.value;
}

export function currentFileId(): string {
  return essay.fileId;
}

/** `opened` runs whenever an essay is shown (at start, on switching, for a new one). */
export function startFeedback(opened: (fileId: string) => void): void {
  onOpen = opened;
  startUnderlines();
  startAssignment(() => updateMeta());
  dialectSelect.replaceChildren(...DIALECTS.map((d) => el('option', { value: d }, dialectLabel(d))));
  dialectSelect.value = savedDialect();
  dialectSelect.addEventListener('change', () => {
    saveDialect(dialectSelect.value as Dialect);
    resetAutoLabel();
    recheck('now');
  });
  input.addEventListener('input', () => {
    const edit = diffEdit(lastText, input.value);
    // Typing after an applied suggestion: Ctrl+Z is the editor's own undo again.
    clearUndo();
    if (edit) followEdit(edit);
    recheck('pause');
  });
  assessButton.addEventListener('click', () => void assess());
  // Ctrl/Cmd+Enter in the essay (the editor or the marked-up view) assesses it.
  describeShortcut(assessButton);
  for (const box of [input, view]) {
    box.addEventListener('keydown', (e) => {
      if (!isSubmitKey(e)) return;
      e.preventDefault();
      if (!running) void assess();
    });
  }
  cancelButton.addEventListener('click', () => running?.cancel());
  editButton.addEventListener('click', () => showEditor());
  undoButton.addEventListener('click', () => undoApply());
  ignoredRestore.addEventListener('click', () => {
    ignored = new Set();
    saveIgnored(essay.fileId, ignored);
    render();
    announce('Ignored comments are shown again.');
  });
  document.addEventListener('keydown', (e) => {
    // Ctrl/Cmd+Z right after an applied suggestion undoes it (not in another text field: the chat's own undo).
    if (!undoPoint || e.key.toLowerCase() !== 'z' || !(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey) return;
    const t = e.target as HTMLElement | null;
    if (t && t !== input && (t.isContentEditable || t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement)) return;
    e.preventDefault();
    undoApply();
  });
  picker.addEventListener('change', () => {
    const next = openEssay(picker.value);
    if (next) void show(next);
  });
  newButton.addEventListener('click', () => {
    // No pile of empty "Untitled essay" entries: an empty one is the new essay.
    if (isEmptyDraft({ ...(listEssays().find((e) => e.fileId === essay.fileId) ?? essay), text: input.value })) {
      showEditor();
      announce('This essay is still empty: write or paste it here.');
      return;
    }
    void show(newEssay());
  });
  startRename({
    essay: () => ({ ...essay, text: input.value }),
    opening: () => closeDeletePanel(false),
    renamed: (e) => {
      essay = { ...essay, ...(e.title ? { title: e.title } : {}) };
      if (!e.title) delete essay.title;
      renderPicker();
      announce(`Renamed to “${titleOf(essay)}”.`);
    },
  });
  startExport(exportSource);
  deleteButton.addEventListener('click', () => (deletePanel.hidden ? openDeletePanel() : closeDeletePanel(true)));
  deleteCancel.addEventListener('click', () => closeDeletePanel(true));
  deleteConfirm.addEventListener('click', () => void deleteEssay());
  deletePanel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeDeletePanel(true);
  });
  void loadDictionary();
  // The saved settings first (the dialect is one; the store answers at once), then the essay.
  void loadSettings().then(() => {
    dialectSelect.value = savedDialect();
    return show(currentEssay());
  });
}

async function loadDictionary(): Promise<void> {
  const r = await window.api.listWords();
  if (!r.ok) return; // the checker still knows the words; only old saved comments would show
  for (const w of r.data) dictionary.add(w.toLowerCase());
  render();
}

/** Shows an essay: its text, its saved assessments (the newest one opened) and, via onOpen, its chat. */
async function show(next: EssayDraft): Promise<void> {
  essay = next;
  input.value = next.text;
  lastText = next.text;
  live = null;
  ignored = ignoredOf(next.fileId);
  clearUndo();
  announce('');
  closeDeletePanel(false);
  closeRename();
  showAssignment(next);
  updateMeta();
  renderPicker();
  // Empty drafts left behind (switched away from, or from earlier versions) leave the picker.
  void dropEmptyDrafts(next.fileId).then((dropped) => dropped && renderPicker());
  clearFeedback();
  showEditor(false);
  recheck('now');
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

// ---- live checking -------------------------------------------------------------------------------

async function check(i: LiveInput): Promise<Live | null> {
  if (i.text.length > MAX_CHECK) return { comments: [] };
  const r = await window.api.checkText({ text: i.text, dialect: i.dialect as Dialect });
  if (!r.ok) {
    if (liveError !== r.error.code) showError(r.error);
    liveError = r.error.code;
    editor.dataset.check = 'error';
    return null;
  }
  liveError = '';
  rememberEngineCount(i.text, r.data.words);
  updateMeta();
  return { comments: r.data.comments, dialect: r.data.dialect };
}

function showDetected(d: Detected): void {
  const auto = dialectSelect.querySelector<HTMLOptionElement>('option[value="auto"]');
  if (auto) auto.textContent = dialectLabel('auto', d);
}

function resetAutoLabel(): void {
  const auto = dialectSelect.querySelector<HTMLOptionElement>('option[value="auto"]');
  if (auto) auto.textContent = dialectLabel('auto');
}

// ---- the text changes ----------------------------------------------------------------------------

/** The editor's text changed by `edit`: comments follow it, the essay is saved. */
function followEdit(edit: Edit): void {
  lastText = input.value;
  if (shown?.current) shown.comments = shiftComments(shown.comments, edit);
  if (live) live = { ...live, comments: shiftComments(live.comments, edit) };
  textSaved();
  render();
}

/** Saves the editor's text and updates what shows it (word count, the picker's title). */
function textSaved(): void {
  saveText(essay.fileId, input.value);
  updateMeta();
  const option = picker.selectedOptions[0];
  if (option) option.textContent = titleOf({ ...essay, text: input.value });
  showTitle();
  // The note about an earlier version shows from the first edit on.
  void versionNote.check();
}

/** The window's title names the essay. */
function showTitle(): void {
  document.title = `${titleOf({ ...essay, text: input.value })} – Samsara`;
}

function setText(text: string): Edit | null {
  const top = input.scrollTop;
  const edit = diffEdit(input.value, text);
  input.value = text;
  input.scrollTop = top;
  return edit;
}

function apply(c: Comment, suggestion: string, from: HTMLElement): void {
  const text = input.value;
  if (running || !anchorMatches(text, c)) return;
  const position = positionOf(from);
  undoPoint = { text, shown: shown?.comments ?? null, live, quote: c.anchor.quote };
  const next = applySuggestion(text, c.anchor, suggestion);
  setText(next.text);
  followEdit(next.edit);
  const what = suggestion.trim() === '' ? `Deleted “${c.anchor.quote}”.` : `Replaced “${c.anchor.quote}” with “${suggestion}”.`;
  announce(what, true);
  focusAfter(position);
  recheck('now');
}

function undoApply(): void {
  const u = undoPoint;
  if (!u || running) return;
  clearUndo();
  setText(u.text);
  lastText = u.text;
  if (shown?.current && u.shown) shown.comments = u.shown;
  live = u.live;
  textSaved();
  render();
  announce(`Undone: “${u.quote}” is back.`);
  recheck('now');
}

function clearUndo(): void {
  if (!undoPoint) return;
  undoPoint = null;
  announce('');
}

function ignore(c: Comment, from: HTMLElement): void {
  const position = positionOf(from);
  ignored.add(ignoreKey(c));
  saveIgnored(essay.fileId, ignored);
  render();
  announce(c.anchor ? `Ignored “${c.anchor.quote}”.` : 'Comment ignored.');
  focusAfter(position);
}

async function addWord(word: string, from: HTMLElement): Promise<void> {
  const position = positionOf(from);
  const r = await window.api.addWord(word);
  if (!r.ok) {
    showError(r.error);
    return;
  }
  dictionary.add(word.toLowerCase());
  render();
  announce(`Added “${word}” to your dictionary.`);
  focusAfter(position);
  recheck('now');
}

let fade: ReturnType<typeof setTimeout> | undefined;

/**
 * The status line above the lists (read out politely). After an applied suggestion it offers Undo and
 * stays until the text changes otherwise; other messages go after a while.
 */
function announce(message: string, undoable = false): void {
  clearTimeout(fade);
  editMessage.textContent = message;
  undoButton.hidden = !undoable;
  if (message && !undoable) fade = setTimeout(() => announce(''), 8_000);
}

// ---- rendering -----------------------------------------------------------------------------------

function visible(c: Comment): boolean {
  if (ignored.has(ignoreKey(c))) return false;
  return !(isSpellingOfWord(c) && c.anchor && dictionary.has(c.anchor.quote.toLowerCase()));
}

/** Stable names for comments across re-renders: list, rule and quote, and which occurrence. */
function keysOf(listName: string, comments: readonly Comment[]): string[] {
  const seen = new Map<string, number>();
  return comments.map((c) => {
    const k = ignoreKey(c);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return `${listName}\u241e${k}\u241e${n}`;
  });
}

/** The live comments with their keys (over the whole check, so a comment keeps its key in every list). */
function liveKeyed(): Array<{ c: Comment; key: string }> {
  const comments = live?.comments ?? [];
  const keys = keysOf('live', comments);
  return comments.map((c, n) => ({ c, key: keys[n] ?? '' })).filter(({ c }) => visible(c));
}

/** The live comments to list: not ignored, and not already in the (current) assessment shown. */
function liveToList(): Array<{ c: Comment; key: string }> {
  const fromAssessment = shown?.current ? shown.comments : [];
  return liveKeyed().filter(({ c }) => !fromAssessment.some((a) => sameFinding(a, c)));
}

/** Re-renders everything that depends on the text and the comments, keeping the focus where it was. */
function render(): void {
  const text = input.value;
  const focus = rememberFocus();

  // The shown assessment's comments (as today), with actions when their span is in the text.
  if (shown) {
    const indexed = shown.comments.map((c, i) => ({ c, i })).filter(({ c }) => visible(c));
    const keys = keysOf('assessment', indexed.map(({ c }) => c));
    list.replaceChildren(
      ...indexed.map(({ c, i }, n) =>
        item(c, { list: 'assessment', index: i, key: keys[n] ?? '', applicable: !!shown?.current && anchorMatches(text, c) }),
      ),
    );
  } else {
    list.replaceChildren();
  }

  // Checks as you type: the live findings the assessment does not already list.
  const listed = liveToList();
  liveList.replaceChildren(
    ...listed.map(({ c, key }, n) => item(c, { list: 'live', index: n, key, applicable: anchorMatches(text, c) })),
  );
  liveSection.hidden = listed.length === 0;
  empty.hidden = shown !== null || listed.length > 0;

  // Underlines in the editor: every live finding not ignored (also those the assessment lists; only
  // the listed ones carry a key that links them to a comment in the panel).
  const listedKeys = new Set(listed.map(({ key }) => key));
  drawUnderlines(
    liveKeyed().flatMap(({ c, key }): Underline[] =>
      anchorMatches(text, c)
        ? [{ start: c.anchor.start, end: c.anchor.end, category: categoryOf(c) ?? 'other', key: listedKeys.has(key) ? key : '' }]
        : [],
    ),
  );
  if (!view.hidden) paintView();

  ignoredNote.hidden = ignored.size === 0;
  ignoredCount.textContent = `${ignored.size} ignored ${ignored.size === 1 ? 'comment' : 'comments'} hidden.`;
  restoreFocus(focus);
}

function item(c: Comment, o: { list: 'assessment' | 'live'; index: number; key: string; applicable: boolean }): HTMLLIElement {
  const node: HTMLLIElement = commentItem(c, { ...o, applicable: o.applicable && !running }, {
    show: () => (o.list === 'assessment' ? focusComment(o.index) : focusLive(o.key)),
    apply: (s) => apply(c, s, node),
    ignore: () => ignore(c, node),
    addWord: (w) => void addWord(w, node),
  });
  return node;
}

interface FocusMemory {
  list: HTMLElement;
  key: string;
  testid?: string;
  position: number;
}

function rememberFocus(): FocusMemory | null {
  const active = document.activeElement as HTMLElement | null;
  const li = active?.closest<HTMLElement>('li[data-key]');
  const owner = li && (list.contains(li) ? list : liveList.contains(li) ? liveList : null);
  if (!li || !owner) return null;
  return {
    list: owner,
    key: li.dataset.key ?? '',
    testid: active !== li ? active?.dataset.testid : undefined,
    position: [...owner.children].indexOf(li),
  };
}

function restoreFocus(f: FocusMemory | null): void {
  if (!f || (document.activeElement && document.activeElement !== document.body)) return;
  const li = [...f.list.querySelectorAll<HTMLElement>('li[data-key]')].find((n) => n.dataset.key === f.key);
  const target = li && f.testid ? li.querySelector<HTMLElement>(`[data-testid="${f.testid}"]`) : li;
  (target ?? li?.querySelector<HTMLElement>('.comment-show') ?? undefined)?.focus({ preventScroll: true });
}

/** Where a comment item was (its list and place), so the focus can go to the one that takes its place. */
function positionOf(node: HTMLElement): { list: HTMLElement; index: number } | null {
  const owner = list.contains(node) ? list : liveList.contains(node) ? liveList : null;
  return owner ? { list: owner, index: [...owner.children].indexOf(node) } : null;
}

/** After an action removed a comment: focus the next one in its list (or the previous), else Undo or the list's heading. */
function focusAfter(p: { list: HTMLElement; index: number } | null): void {
  if (!p) return;
  if (document.activeElement && document.activeElement !== document.body && p.list.contains(document.activeElement)) return;
  const items = p.list.querySelectorAll<HTMLElement>('li[data-key]');
  const next = items[Math.min(p.index, items.length - 1)];
  if (next) (next.querySelector<HTMLElement>('.comment-show') ?? next).focus({ preventScroll: false });
  else if (!undoButton.hidden) undoButton.focus();
}

function renderPicker(): void {
  picker.replaceChildren(
    ...listEssays().map((e) =>
      el('option', { value: e.fileId, selected: e.fileId === essay.fileId }, titleOf(e.fileId === essay.fileId ? { ...e, text: input.value } : e)),
    ),
  );
  showTitle();
}

function clearFeedback(): void {
  saved = [];
  history.hidden = true;
  historyList.replaceChildren();
  clearShown();
}

/** Empties the assessment part of the panel (the checks as you type stay). */
function clearShown(): void {
  shown = null;
  shownId = null;
  empty.hidden = false;
  summary.hidden = true;
  metrics.hidden = true;
  showTutorRead(tutorNote, '', undefined);
  showAnsweredBy(answeredBy, null);
  void versionNote.feedbackFor(null);
  setExportAvailable(false);
  notSaved(false);
  list.replaceChildren();
  if (!view.hidden) showEditor(false);
  else render();
}

/**
 * Says (or stops saying) that the assessment shown was not saved to the history. A notice in the panel,
 * not an error: the feedback itself is fine. `reason`: the store's own, when healthCheck has one.
 */
function notSaved(on: boolean, reason?: string): void {
  if (!on) {
    saveStatus.replaceChildren();
    return;
  }
  const why = reason ? ` (${reason.length > 200 ? `${reason.slice(0, 199)}…` : reason})` : '';
  saveStatus.replaceChildren(
    el(
      'p',
      { class: 'note', 'data-testid': 'save-note' },
      el('strong', {}, 'Not saved to your history. '),
      `This feedback is shown now, but it won't be in your saved assessments when you reopen the essay${why}.`,
    ),
  );
}

/** A saved assessment; its highlights only if it is about the text as it is now. */
async function showStored(a: StoredAssessment): Promise<void> {
  const text = input.value;
  const current = (await textHash(text)) === a.textHash && input.value === text;
  showAssessment(a, current);
  shownId = a.id;
  notSaved(false);
  void versionNote.feedbackFor(a.textHash);
  markShown();
  if (current) showAnnotated();
}

/** Marks the saved assessment that is in the panel (in bold) in the list. */
function markShown(): void {
  for (const node of historyList.querySelectorAll<HTMLElement>('li[data-id]')) {
    node.classList.toggle('shown', node.dataset.id === shownId);
  }
}

function whenOf(a: StoredAssessment): string {
  return new Date(a.createdAt).toLocaleString();
}

function renderHistory(list: StoredAssessment[]): void {
  saved = list;
  history.hidden = list.length === 0;
  historyCount.textContent = String(list.length);
  historyList.replaceChildren(...list.map((a) => historyItem(a)));
  markShown();
}

/** A saved assessment in the list: open it, or delete it (after a confirmation in its row). */
function historyItem(a: StoredAssessment): HTMLLIElement {
  const when = whenOf(a);
  const item = el('li', { 'data-testid': 'past-assessment', 'data-id': a.id });
  const entry = () => {
    const open = el('button', { type: 'button', class: 'link' }, `${when} · ${a.comments.length} comments · ${a.model}`);
    open.addEventListener('click', () => void showStored(a));
    const remove = el(
      'button',
      { type: 'button', class: 'link danger-link', 'data-testid': 'assessment-delete', 'aria-label': `Delete the assessment of ${when}` },
      'Delete',
    );
    remove.addEventListener('click', () => confirm());
    item.replaceChildren(open, remove);
    return remove;
  };
  const confirm = () => {
    const keep = el('button', { type: 'button', class: 'link', 'data-testid': 'assessment-delete-cancel' }, 'Keep');
    const yes = el(
      'button',
      { type: 'button', class: 'link danger-link', 'data-testid': 'assessment-delete-confirm', 'aria-label': `Yes, delete the assessment of ${when}` },
      'Yes, delete',
    );
    keep.addEventListener('click', () => {
      delete item.dataset.confirming;
      entry().focus();
    });
    yes.addEventListener('click', () => void deleteAssessment(a, item));
    item.replaceChildren(el('span', { class: 'confirm-inline' }, `Delete the assessment of ${when}?`), keep, yes);
    item.dataset.confirming = 'true';
    keep.focus();
  };
  item.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && item.dataset.confirming) {
      delete item.dataset.confirming;
      entry().focus();
    }
  });
  entry();
  return item;
}

async function deleteAssessment(a: StoredAssessment, item: HTMLElement): Promise<void> {
  const fileId = essay.fileId;
  const position = [...historyList.children].indexOf(item);
  const r = await window.api.deleteAssessment(a.id);
  if (!r.ok) {
    showError(r.error);
    return;
  }
  if (essay.fileId !== fileId) return;
  const wasShown = shownId === a.id;
  const listed = await window.api.listAssessments(fileId);
  if (essay.fileId !== fileId) return;
  renderHistory(listed.ok ? listed.data : saved.filter((s) => s.id !== a.id));
  if (wasShown) {
    clearShown();
    const newest = saved[0];
    if (newest) await showStored(newest);
  }
  announce(`Deleted the assessment of ${whenOf(a)}${wasShown ? ' (it was the one shown)' : ''}.`);
  // The focus goes to the next entry's Delete (or the previous), else to the list's summary.
  const rows = historyList.querySelectorAll<HTMLElement>('[data-testid="assessment-delete"]');
  const next = rows[Math.min(position, rows.length - 1)];
  if (next) next.focus();
  else if (!history.hidden) history.querySelector<HTMLElement>('summary')?.focus();
  else deleteButton.focus();
}

/** The essay's saved assessments listed again; `newest`: the one just made is the one shown. */
async function refreshHistory(newest: boolean): Promise<void> {
  const fileId = essay.fileId;
  const r = await window.api.listAssessments(fileId);
  if (r.ok && essay.fileId === fileId) {
    if (newest) shownId = r.data[0]?.id ?? null;
    renderHistory(r.data);
  }
}

// ---- deleting the essay --------------------------------------------------------------------------

function openDeletePanel(): void {
  const n = saved.length;
  const what = n === 0 ? 'Its text and its chat' : `Its text, its ${n} saved ${n === 1 ? 'assessment' : 'assessments'} and its chat`;
  deleteQuestion.textContent = `Delete “${titleOf({ ...essay, text: input.value })}”? ${what} will be removed from this computer. This can't be undone.`;
  closeRename();
  // Its dates as stored (the last edit is saved with the text), and its saved assessments'.
  const stored = listEssays().find((e) => e.fileId === essay.fileId) ?? essay;
  deleteDates.replaceChildren(...essayDates(stored, saved).map((line) => el('li', {}, line)));
  deletePanel.hidden = false;
  deleteButton.setAttribute('aria-expanded', 'true');
  // The safe choice has the focus: Enter or Space right away keeps the essay.
  deleteCancel.focus();
}

function closeDeletePanel(focusButton: boolean): void {
  if (deletePanel.hidden) return;
  deletePanel.hidden = true;
  deleteButton.setAttribute('aria-expanded', 'false');
  if (focusButton) deleteButton.focus();
}

/** Deletes the open essay: its saved assessments and chat (in the history file), then its text. */
async function deleteEssay(): Promise<void> {
  const gone = essay;
  const title = titleOf({ ...gone, text: input.value });
  deleteConfirm.disabled = true;
  const r = await window.api.deleteEssay(gone.fileId);
  deleteConfirm.disabled = false;
  if (!r.ok) {
    showError(r.error);
    return;
  }
  removeEssay(gone.fileId);
  saveIgnored(gone.fileId, new Set());
  const next = listEssays()[0];
  await show((next && openEssay(next.fileId)) || newEssay());
  announce(`Deleted “${title}” with its saved feedback and chat.`);
  picker.focus();
}

function updateMeta(): void {
  // Words counted as the assessment's metrics count them (renderer/numbers.ts), beside the word goal;
  // the character limit shown as the essay nears it (renderer/assignment.ts).
  showCounter(meta, input.value);
  updateAssess();
}

/** Assess is off while an assessment runs, and (with the reason under the counter) while a text is over its limit. */
function updateAssess(): void {
  assessButton.disabled = running !== null || assessBlock(input.value) !== null;
}

async function assess(): Promise<void> {
  const text = input.value;
  if (!text.trim()) {
    showError({ code: 'INVALID_REQUEST', message: 'Write or paste an essay first.' });
    return;
  }
  // Over a limit (Ctrl+Enter gets here with Assess disabled): nothing is sent; the reason is on screen
  // under the counter, and said again for a screen reader.
  const blocked = assessBlock(text);
  if (blocked) {
    announcePolite(blocked);
    return;
  }
  const instruction = assignmentInstruction();
  clearUndo();
  const assessedHash = textHash(text);
  running = window.api.assessEssay({ fileId: essay.fileId, text, ...(instruction ? { instruction } : {}), dialect: dialectSelect.value as Dialect });
  setRunning(true);
  const r = await running;
  running = null;
  setRunning(false);
  if (!r.ok) {
    showError(r.error);
    render();
    return;
  }
  showAssessment(r.data, input.value === text);
  showAnsweredBy(answeredBy, r.data);
  announcePolite(`Assessment finished: ${plural(r.data.comments.length, 'comment')}${r.data.summary ? ' and a summary' : ''}.${answeredBy.hidden ? '' : ` ${answeredBy.textContent?.replace(/\.$/, '')}.`}`);
  if (r.data.dialect && dialectSelect.value === 'auto') showDetected(r.data.dialect);
  void versionNote.feedbackFor(await assessedHash);
  showAnnotated();
  const fileId = essay.fileId;
  // `saved` is false when the history file could not take it (healthCheck's store.error says why).
  if (r.data.saved === false) {
    shownId = null;
    notSaved(true);
    const h = await window.api.healthCheck();
    if (essay.fileId === fileId && shownId === null && shown && h.ok && h.data.store.error) notSaved(true, h.data.store.error);
  } else {
    notSaved(false);
  }
  await refreshHistory(r.data.saved !== false);
}

function setRunning(on: boolean): void {
  updateAssess();
  setAssignmentDisabled(on);
  assessButton.textContent = on ? 'Assessing…' : 'Assess';
  cancelButton.hidden = !on;
  input.readOnly = on;
  picker.disabled = on;
  newButton.disabled = on;
  deleteButton.disabled = on;
  if (on) closeDeletePanel(false);
  dialectSelect.disabled = on;
  // Suggestions can't be applied while the text is being assessed.
  render();
}

function showAssessment(
  a: Pick<Assessment, 'comments'> & { summary?: string; metrics?: EssayMetrics; tutorRead?: TutorRead },
  current: boolean,
): void {
  shown = { comments: a.comments, summary: a.summary, metrics: a.metrics, tutorRead: a.tutorRead, current };
  // Who answered is known for a fresh result only (assess shows it after this).
  showAnsweredBy(answeredBy, null);
  // Which part the tutor read (long essays), said of the text it was about.
  showTutorRead(tutorNote, input.value, current ? a.tutorRead : undefined);
  summary.hidden = !a.summary;
  summary.replaceChildren(el('h3', {}, 'Summary'), el('p', { dir: 'auto' }, a.summary ?? ''));
  const m = a.metrics;
  metrics.hidden = !m;
  if (m) {
    metrics.textContent = metricsLine(m);
  }
  setExportAvailable(true);
  render();
}

/** What "Save as PDF" and "Copy as text" take: the essay, the comments shown, the summary, the metrics. */
function exportSource(): ExportInput | null {
  if (!shown) return null;
  const made = saved.find((a) => a.id === shownId)?.createdAt;
  return {
    title: titleOf({ ...essay, text: input.value }),
    text: input.value,
    comments: shown.comments.filter((c) => visible(c)),
    ...(shown.summary ? { summary: shown.summary } : {}),
    ...(!metrics.hidden && metrics.textContent ? { metrics: metrics.textContent } : {}),
    date: new Date(made ?? Date.now()).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
    earlier: !shown.current || versionNote.showing,
  };
}

type ViewMark = { kind: 'assessment'; index: number } | { kind: 'live'; key: string; category: string };

/** The read-only essay with the assessment's highlights and the live underlines it does not already have. */
function paintView(): void {
  const text = input.value;
  const spans: Array<Span<ViewMark>> = [];
  if (shown?.current) {
    shown.comments.forEach((c, index) => {
      if (c.kind === 'inline' && visible(c) && anchorMatches(text, c)) spans.push({ start: c.anchor.start, end: c.anchor.end, id: { kind: 'assessment', index } });
    });
  }
  for (const { c, key } of liveToList()) {
    if (anchorMatches(text, c)) spans.push({ start: c.anchor.start, end: c.anchor.end, id: { kind: 'live', key, category: categoryOf(c) ?? 'other' } });
  }
  view.replaceChildren(
    ...spanPieces(text, spans).map((p) => {
      if (!('id' in p)) return document.createTextNode(p.text);
      const m = p.id;
      if (m.kind === 'live') {
        const mark = el('mark', { class: 'live', 'data-testid': 'live-underline', 'data-category': m.category, 'data-key': m.key }, p.text);
        mark.addEventListener('click', () => focusLive(m.key));
        return mark;
      }
      const c = shown?.comments[m.index];
      const mark = el('mark', { 'data-testid': 'highlight', 'data-index': String(m.index), 'data-source': c?.source, 'data-category': c && categoryOf(c) }, p.text);
      mark.addEventListener('click', () => focusComment(m.index));
      return mark;
    }),
  );
  markTutorRead(view, shown?.current ? shown.tutorRead : undefined);
}

function showAnnotated(): void {
  if (!shown?.current) return;
  paintView();
  editor.hidden = true;
  view.hidden = false;
  editButton.hidden = false;
}

function showEditor(focus = true): void {
  view.hidden = true;
  editor.hidden = false;
  editButton.hidden = true;
  render();
  if (focus) input.focus();
}

/** Shows an assessment comment's span: the essay switches to the annotated view and the span is marked active. */
function focusComment(index: number): void {
  if (shown?.current && view.hidden) showAnnotated();
  activate(list.querySelector<HTMLElement>(`[data-index="${index}"]`));
  const mark = view.hidden ? null : view.querySelector<HTMLElement>(`mark[data-index="${index}"]`);
  if (mark) {
    mark.classList.add('active');
    mark.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }
}

/** Shows a live comment's span: in the annotated view if it is shown, else its underline in the editor. */
function focusLive(key: string): void {
  activate([...liveList.querySelectorAll<HTMLElement>('li[data-key]')].find((n) => n.dataset.key === key) ?? null);
  if (!view.hidden) {
    const mark = [...view.querySelectorAll<HTMLElement>('mark[data-key]')].find((n) => n.dataset.key === key);
    mark?.classList.add('active');
    mark?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  } else {
    revealUnderline(key);
  }
}

function activate(node: HTMLElement | null): void {
  for (const n of document.querySelectorAll('.active')) n.classList.remove('active');
  node?.classList.add('active');
  node?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}
