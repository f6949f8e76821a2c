// The essays the student has written here, kept in the page's localStorage (text and all: the engine
// stores feedback and chat, not the text). Each has a fileId; reopening one brings back its saved
// assessments and chat through window.api.
export interface EssayDraft {
  fileId: string;
  text: string;
  /** When the text last changed (ISO-8601). */
  updatedAt: string;
  /** When the essay was started (ISO-8601; missing for essays started before it was kept). */
  createdAt?: string;
  /** The name the student gave it; without one, the essay is named after its first line. */
  title?: string;
  /** The assignment's instructions (sent with an assessment; renderer/assignment.ts). */
  instruction?: string;
  /** The number of words aimed at, shown beside the word count. */
  wordGoal?: number;
}

const KEY = 'samsara.essays';
const CURRENT_KEY = 'samsara.currentEssay';
/** The single draft of earlier versions, taken over as the first essay. */
const OLD_DRAFT_KEY = 'samsara.draft';

function read(): EssayDraft[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v)
      ? v
          .filter((e): e is EssayDraft => typeof e?.fileId === 'string' && typeof e?.text === 'string')
          .map((e) => ({
            fileId: e.fileId,
            text: e.text,
            updatedAt: typeof e.updatedAt === 'string' ? e.updatedAt : '',
            ...(typeof e.createdAt === 'string' ? { createdAt: e.createdAt } : {}),
            ...(typeof e.title === 'string' && e.title.trim() ? { title: e.title } : {}),
            ...(typeof e.instruction === 'string' && e.instruction ? { instruction: e.instruction } : {}),
            ...(typeof e.wordGoal === 'number' && e.wordGoal > 0 ? { wordGoal: e.wordGoal } : {}),
          }))
      : [];
  } catch {
    return [];
  }
}

function write(essays: EssayDraft[]): void {
  localStorage.setItem(KEY, JSON.stringify(essays));
}

export function listEssays(): EssayDraft[] {
  return read().sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/** Nothing written and no name: such a draft is reused rather than another one added. */
export function isEmptyDraft(e: EssayDraft): boolean {
  return e.text.trim() === '' && !e.title && !e.instruction?.trim() && !e.wordGoal;
}

/**
 * A new essay to write in. "New essay" pressed again and again does not pile up empty "Untitled essay"
 * entries: an empty draft that is already there is opened instead (as if just started).
 */
export function newEssay(text = ''): EssayDraft {
  const now = new Date().toISOString();
  const essays = read();
  const empty = text === '' ? essays.find(isEmptyDraft) : undefined;
  if (empty) {
    const reused = { ...empty, text: '', createdAt: now, updatedAt: now };
    write(essays.map((e) => (e.fileId === empty.fileId ? reused : e)));
    localStorage.setItem(CURRENT_KEY, reused.fileId);
    return reused;
  }
  const essay: EssayDraft = { fileId: crypto.randomUUID(), text, createdAt: now, updatedAt: now };
  write([...essays, essay]);
  localStorage.setItem(CURRENT_KEY, essay.fileId);
  return essay;
}

/** The essay open last time (or a new one). */
export function currentEssay(): EssayDraft {
  const essays = read();
  const id = localStorage.getItem(CURRENT_KEY);
  const found = essays.find((e) => e.fileId === id) ?? listEssays()[0];
  if (found) return found;
  const old = localStorage.getItem(OLD_DRAFT_KEY);
  localStorage.removeItem(OLD_DRAFT_KEY);
  return newEssay(old ?? '');
}

export function openEssay(fileId: string): EssayDraft | undefined {
  const found = read().find((e) => e.fileId === fileId);
  if (found) localStorage.setItem(CURRENT_KEY, fileId);
  return found;
}

export function saveText(fileId: string, text: string): void {
  write(read().map((e) => (e.fileId === fileId ? { ...e, text, updatedAt: new Date().toISOString() } : e)));
}

/** Keeps an essay's assignment instructions and word goal ('' and 0: none); its text's date stays. */
export function saveAssignment(fileId: string, a: { instruction?: string; wordGoal?: number }): void {
  write(
    read().map((e) => {
      if (e.fileId !== fileId) return e;
      const next: EssayDraft = { ...e, ...a };
      if (!next.instruction) delete next.instruction;
      if (!next.wordGoal) delete next.wordGoal;
      return next;
    }),
  );
}

/** Names an essay; an empty name goes back to naming it after its first line. */
export function renameEssay(fileId: string, title: string): EssayDraft | undefined {
  const name = cleanTitle(title);
  let renamed: EssayDraft | undefined;
  write(
    read().map((e) => {
      if (e.fileId !== fileId) return e;
      const next: EssayDraft = { ...e, title: name };
      if (!name) delete next.title;
      renamed = next;
      return next;
    }),
  );
  return renamed;
}

/**
 * The empty drafts other than `keep` that have nothing saved with them (no chat): left behind by
 * earlier versions or by switching away from a new essay, they are dropped. Returns whether any were.
 */
export async function dropEmptyDrafts(keep: string): Promise<boolean> {
  const candidates = read().filter((e) => e.fileId !== keep && isEmptyDraft(e));
  let dropped = false;
  for (const e of candidates) {
    const chat = await window.api.listChat(e.fileId);
    // Kept when its chat can't be read or has messages: the picker is the only way back to them.
    if (!chat.ok || chat.data.length > 0) continue;
    if (localStorage.getItem(CURRENT_KEY) === e.fileId) continue; // opened meanwhile
    const now = read().find((d) => d.fileId === e.fileId);
    if (!now || !isEmptyDraft(now)) continue; // written in meanwhile
    write(read().filter((d) => d.fileId !== e.fileId));
    dropped = true;
  }
  return dropped;
}

/** Forgets an essay's text (its saved feedback and chat go through window.api.deleteEssay first). */
export function removeEssay(fileId: string): void {
  write(read().filter((e) => e.fileId !== fileId));
  if (localStorage.getItem(CURRENT_KEY) === fileId) localStorage.removeItem(CURRENT_KEY);
}

/** The longest name kept (a longer one is cut). */
export const MAX_TITLE = 120;
/** Names taken from the first line are shortened to about this many characters. */
const FIRST_LINE_TITLE = 60;

/** A name as typed: one line, spaces collapsed, at most MAX_TITLE characters. */
export function cleanTitle(title: string): string {
  return [...title.replace(/\s+/gu, ' ').trim()].slice(0, MAX_TITLE).join('').trim();
}

/**
 * The essay's first line as a name: its first line with text, without Markdown's heading marks,
 * shortened at a word to about 60 characters ("…" says it was cut). '' for an empty text.
 */
export function firstLineTitle(text: string): string {
  const line = text.split(/\r\n|\r|\n/u).find((l) => l.trim() !== '') ?? '';
  const clean = line.replace(/^\s*#+\s+/u, '').replace(/\s+/gu, ' ').trim();
  const chars = [...clean];
  if (chars.length <= FIRST_LINE_TITLE) return clean;
  const cut = chars.slice(0, FIRST_LINE_TITLE - 1).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space >= FIRST_LINE_TITLE / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.\-–—]+$/u, '')}…`;
}

/** The essay's name: the one the student gave it, else its first line, else "Untitled essay". */
export function titleOf(e: Pick<EssayDraft, 'text' | 'title'>): string {
  return e.title || firstLineTitle(e.text) || 'Untitled essay';
}

/** SHA-256 of the UTF-8 text, hex: the `textHash` the engine saves with an assessment. */
export async function textHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
