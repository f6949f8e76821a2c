// Renaming the open essay: "Rename" opens a labelled text field under the essay's header; Enter (or
// Save name) keeps the name, Escape (or Cancel) leaves it as it was. An empty name goes back to naming
// the essay after its first line.
import { byId } from './dom';
import { MAX_TITLE, firstLineTitle, renameEssay, type EssayDraft } from './essays';

const button = byId<HTMLButtonElement>('essay-rename-button');
const form = byId<HTMLFormElement>('essay-rename-form');
const field = byId<HTMLInputElement>('essay-rename');
const cancel = byId<HTMLButtonElement>('essay-rename-cancel');

export interface RenameHooks {
  /** The open essay, with its text as it is now. */
  essay(): EssayDraft;
  /** Runs before the field opens (e.g. to close the delete panel). */
  opening(): void;
  /** The essay has a new name (or its first line again). */
  renamed(essay: EssayDraft): void;
}

let hooks: RenameHooks | null = null;
/** What the field opened with: saving it unchanged keeps an automatic name automatic. */
let opened = '';

export function startRename(h: RenameHooks): void {
  hooks = h;
  field.maxLength = MAX_TITLE;
  button.addEventListener('click', () => (form.hidden ? openRename() : closeRename(true)));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    save();
  });
  cancel.addEventListener('click', () => closeRename(true));
  form.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    e.preventDefault();
    e.stopPropagation();
    closeRename(true);
  });
}

function openRename(): void {
  if (!hooks) return;
  hooks.opening();
  const e = hooks.essay();
  opened = e.title ?? firstLineTitle(e.text);
  field.value = opened;
  field.placeholder = firstLineTitle(e.text) || 'Untitled essay';
  form.hidden = false;
  button.setAttribute('aria-expanded', 'true');
  field.focus();
  field.select();
}

/** Closes the field without saving; `focusButton`: the focus goes back to Rename. */
export function closeRename(focusButton = false): void {
  if (form.hidden) return;
  form.hidden = true;
  button.setAttribute('aria-expanded', 'false');
  if (focusButton) button.focus();
}

function save(): void {
  if (!hooks) return;
  const e = hooks.essay();
  const typed = field.value;
  closeRename(true);
  // Unchanged: an essay named after its first line stays so (it follows the first line as it changes).
  if (typed.trim() === opened.trim()) return;
  const renamed = renameEssay(e.fileId, typed);
  if (renamed) hooks.renamed({ ...renamed, text: e.text });
}
