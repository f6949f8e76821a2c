// Long essays: the tutor (the model) reads only the start of the essay (about 1,024 tokens), while the
// spelling and grammar checks cover all of it. The feedback panel says which part the tutor read, and
// the marked-up essay shows where that part ends.
import type { Assessment } from '../preload/api';
import { el } from './dom';
import { countWords, plural } from './numbers';

export type TutorRead = NonNullable<Assessment['tutorRead']>;

/** "The tutor read the first 2,340 words; spelling and grammar checks cover all 18,000." */
export function tutorReadNote(text: string, read: TutorRead): string {
  const part = countWords(text.slice(0, read.end));
  const all = countWords(text);
  return `The tutor read the first ${plural(part, 'word')} (up to the line marked in your essay); spelling and grammar checks cover all ${all.toLocaleString('en-US')}.`;
}

/** Shows (or, with no `read`, hides) the note in `note`. */
export function showTutorRead(note: HTMLElement, text: string, read: TutorRead | undefined): void {
  note.hidden = !read;
  note.textContent = read ? tutorReadNote(text, read) : '';
}

/**
 * Marks where the tutor's part ends in the marked-up essay `view` (whose text is the essay): a line
 * with a label at that offset, splitting the text node (or mark) there. The label is drawn by CSS, so
 * the view's text stays the essay's.
 */
export function markTutorRead(view: HTMLElement, read: TutorRead | undefined): void {
  view.querySelector('[data-testid="tutor-read-end"]')?.remove();
  if (!read) return;
  // After the word the tutor's part stops in (never inside a word or a number) and the space after it.
  const all = view.textContent ?? '';
  const rest = /\s/u.exec(all.slice(read.end));
  const end = rest ? read.end + rest.index + rest[0].length : all.length;
  const walker = document.createTreeWalker(view, NodeFilter.SHOW_TEXT);
  let offset = 0;
  for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
    const len = node.data.length;
    if (offset + len >= end) {
      const at = end - offset;
      const marker = el('span', {
        class: 'tutor-read-end',
        'data-testid': 'tutor-read-end',
        role: 'note',
        'aria-label': 'The tutor read up to here; the checks cover the rest too.',
      });
      // Outside a highlight: after the mark that holds the offset when it ends there.
      const mark = node.parentElement?.closest('mark');
      if (mark && at === len) mark.after(marker);
      else if (mark && at === 0) mark.before(marker);
      else node.splitText(at).before(marker);
      return;
    }
    offset += len;
  }
}
