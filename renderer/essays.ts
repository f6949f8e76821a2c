// The essays the student has written here, kept in the page's localStorage (text and all: the engine
// stores feedback and chat, not the text). Each has a fileId; reopening one brings back its saved
// assessments and chat through window.api.
export interface EssayDraft {
  fileId: string;
  text: string;
  updatedAt: string;
}

const KEY = 'samsara.essays';
const CURRENT_KEY = 'samsara.currentEssay';
/** The single draft of earlier versions, taken over as the first essay. */
const OLD_DRAFT_KEY = 'samsara.draft';

function read(): EssayDraft[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]');
    return Array.isArray(v)
      ? v.filter((e): e is EssayDraft => typeof e?.fileId === 'string' && typeof e?.text === 'string')
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

export function newEssay(text = ''): EssayDraft {
  const essay = { fileId: crypto.randomUUID(), text, updatedAt: new Date().toISOString() };
  write([...read(), essay]);
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

/** Forgets an essay's text (its saved feedback and chat go through window.api.deleteEssay first). */
export function removeEssay(fileId: string): void {
  write(read().filter((e) => e.fileId !== fileId));
  if (localStorage.getItem(CURRENT_KEY) === fileId) localStorage.removeItem(CURRENT_KEY);
}

/** A name for the picker: the essay's first words. */
export function titleOf(e: EssayDraft): string {
  const words = e.text.trim().split(/\s+/u).slice(0, 6).join(' ');
  return words ? (words.length > 48 ? `${words.slice(0, 47)}…` : words) : 'Untitled essay';
}

/** SHA-256 of the UTF-8 text, hex: the `textHash` the engine saves with an assessment. */
export async function textHash(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
