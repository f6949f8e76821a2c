// One comment in the feedback panel: its category badge, its text, the quoted words, and what the
// student can do about it (apply a suggestion, ignore it, add the word to their dictionary).
import type { Comment } from '../preload/api';
import { el } from './dom';
import { isSpellingOfWord, offeredSuggestions } from './edits';
import { badge, categoryOf, readable } from './labels';

export interface CommentActions {
  /** Shows the comment's span in the essay. */
  show(): void;
  apply(suggestion: string): void;
  ignore(): void;
  addWord(word: string): void;
}

export interface CommentOptions {
  /** 'assessment' (the shown assessment) or 'live' (checks as you type). */
  list: 'assessment' | 'live';
  index: number;
  /** Identifies the comment across re-renders (focus is kept on it) and links it to its underline. */
  key: string;
  /** Its span is in the text as it is now, so a suggestion can be applied. */
  applicable: boolean;
}

function quoted(s: string): string {
  return `“${s}”`;
}


export function commentItem(c: Comment, o: CommentOptions, actions: CommentActions): HTMLLIElement {
  const category = categoryOf(c);
  const item = el(
    'li',
    {
      class: `comment ${c.kind} ${c.source ?? ''}`,
      'data-testid': 'comment',
      'data-list': o.list,
      'data-kind': c.kind,
      'data-source': c.source,
      'data-category': category,
      'data-index': String(o.index),
      'data-key': o.key,
    },
  );
  // The comment is a button (Enter and Space show its words in the essay): named by its category and
  // the quoted words, described by the comment itself. Clicking anywhere on the card does the same.
  const id = `comment-${o.list}-${o.index}`;
  const quote = c.anchor ? `: ${quoted(c.anchor.quote)}` : '';
  const show = el(
    'button',
    { type: 'button', class: 'comment-show', 'data-testid': 'comment-show', 'aria-label': `${badge(c)}${quote}`, 'aria-describedby': `${id}-text` },
    el('span', { class: 'badge' }, badge(c)),
  );
  item.append(show, el('p', { id: `${id}-text`, dir: 'auto' }, readable(c.content)));
  if (c.anchor) item.append(el('blockquote', { dir: 'auto' }, c.anchor.quote));

  const buttons: HTMLButtonElement[] = [];
  const button = (attrs: Record<string, string>, text: string, run: () => void) => {
    const b = el('button', { type: 'button', ...attrs }, text);
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      run();
    });
    buttons.push(b);
    return b;
  };
  const suggestions = o.applicable && c.anchor ? offeredSuggestions(c) : [];
  const [best, ...others] = suggestions;
  if (best !== undefined) {
    button(
      { class: 'apply', 'data-testid': 'comment-apply', 'data-suggestion': best },
      best.trim() === '' ? `Delete ${quoted(c.anchor?.quote ?? '')}` : `Apply ${quoted(best)}`,
      () => actions.apply(best),
    );
    for (const s of others) {
      button(
        { class: 'alt', 'data-testid': 'comment-apply-alt', 'data-suggestion': s, 'aria-label': `Apply ${quoted(s)}` },
        s.trim() === '' ? 'delete' : quoted(s),
        () => actions.apply(s),
      );
    }
  }
  if (c.anchor && isSpellingOfWord(c)) {
    const word = c.anchor.quote;
    button({ class: 'quiet', 'data-testid': 'comment-add-word', 'aria-label': `Add to dictionary: ${word}` }, 'Add to dictionary', () =>
      actions.addWord(word),
    );
  }
  if (c.kind === 'inline' || c.source === 'rules') {
    const what = c.anchor ? quoted(c.anchor.quote) : badge(c);
    button({ class: 'quiet', 'data-testid': 'comment-ignore', 'aria-label': `Ignore: ${what}` }, 'Ignore', () => actions.ignore());
  }
  if (buttons.length > 0) {
    const row = el('div', { class: 'comment-actions' });
    if (others.length > 0) {
      // The alternatives follow the main Apply: "or “wold”".
      const [apply, ...rest] = buttons;
      if (apply) row.append(apply);
      const alts = rest.filter((b) => b.classList.contains('alt'));
      row.append(el('span', { class: 'or' }, 'or'), ...alts, ...rest.filter((b) => !b.classList.contains('alt')));
    } else {
      row.append(...buttons);
    }
    item.append(row);
  }

  item.addEventListener('click', () => actions.show());
  return item;
}
