// Underlines in the essay editor. A textarea can't style parts of its text, so a backdrop sits behind
// it (transparent textarea on top): same box, font, padding, wrapping and scroll position, holding the
// same text with the problems wrapped in <mark>s whose text is transparent and whose underline shows
// through. The textarea stays the only thing the student types into, selects in and hears read.
import { byId, el } from './dom';
import { spanPieces, type Span } from './highlight';

export interface Underline {
  start: number;
  end: number;
  /** The comment's category (colour and line style; the feedback panel names it in text). */
  category: string;
  /** Identifies the comment in the feedback panel. */
  key: string;
}

const input = byId<HTMLTextAreaElement>('essay-input');
const backdrop = byId('essay-backdrop');

export function startUnderlines(): void {
  input.addEventListener('scroll', syncScroll);
  // A new width rewraps both the same way; the scroll position can change with it.
  new ResizeObserver(syncScroll).observe(input);
}

function syncScroll(): void {
  backdrop.scrollTop = input.scrollTop;
  backdrop.scrollLeft = input.scrollLeft;
}

/** Draws the underlines for the text now in the editor (spans that don't fit the text are skipped). */
export function drawUnderlines(underlines: readonly Underline[]): void {
  const text = input.value;
  const spans: Array<Span<Underline>> = underlines.map((u) => ({ start: u.start, end: u.end, id: u }));
  const nodes: Node[] = spanPieces(text, spans).map((p) =>
    'id' in p
      ? el(
          'mark',
          {
            class: 'live',
            'data-testid': 'live-underline',
            'data-category': p.id.category,
            'data-key': p.id.key,
            'data-start': String(p.id.start),
            'data-end': String(p.id.end),
          },
          p.text,
        )
      : document.createTextNode(p.text),
  );
  // A final newline opens a line in the textarea that a div only gets with something on it.
  if (text.endsWith('\n') || text === '') nodes.push(document.createTextNode('\u200b'));
  backdrop.replaceChildren(...nodes);
  syncScroll();
}

/** Marks one underline as the shown one and scrolls the editor to it (without taking the focus). */
export function revealUnderline(key: string): boolean {
  for (const m of backdrop.querySelectorAll('mark.active')) m.classList.remove('active');
  const mark = backdrop.querySelector<HTMLElement>(`mark[data-key="${CSS.escape(key)}"]`);
  if (!mark) return false;
  mark.classList.add('active');
  const top = mark.offsetTop - input.clientHeight / 2 + mark.offsetHeight / 2;
  input.scrollTop = Math.max(0, top);
  syncScroll();
  return true;
}
