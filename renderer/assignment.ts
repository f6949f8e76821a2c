// The essay's assignment and goal, and its limits shown up front: the assignment's instructions (an
// optional field, kept with the essay's draft and sent with Assess as `instruction`), a word goal beside
// the counter ("312 / 500 words"), and the counter naming the character limit as the essay nears it.
// Over a limit, Assess is disabled and a line says why, before anything is sent.
import { saveAssignment, type EssayDraft } from './essays';
import { byId } from './dom';
import { characterCount, LIMITS, watchLimit } from './limits';
import { countWords, plural } from './numbers';

const toggle = byId<HTMLButtonElement>('assignment-toggle');
const panel = byId('assignment');
const instruction = byId<HTMLTextAreaElement>('instruction-input');
const instructionNote = byId('instruction-limit');
const goal = byId<HTMLInputElement>('word-goal');
const reason = byId('assess-reason');

let fileId = '';
let instructionOver: () => boolean = () => false;
let changed: () => void = () => undefined;

/** `onChange`: the goal or the instructions changed (the counter and Assess follow). */
export function startAssignment(onChange: () => void): void {
  changed = onChange;
  toggle.addEventListener('click', () => setOpen(panel.hidden, true));
  instruction.addEventListener('input', () => {
    saveAssignment(fileId, { instruction: instruction.value });
    labelToggle();
  });
  instructionOver = watchLimit({
    box: instruction,
    note: instructionNote,
    max: LIMITS.instruction,
    what: 'The assignment',
    fix: 'shorten it to assess the essay.',
    changed: () => changed(),
  });
  goal.addEventListener('input', () => {
    saveAssignment(fileId, { wordGoal: goalOf(goal.value) });
    changed();
  });
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      setOpen(false, false);
      toggle.focus();
    }
  });
}

/** Shows an essay's instructions and goal (when it is opened). */
export function showAssignment(essay: EssayDraft): void {
  fileId = essay.fileId;
  instruction.value = essay.instruction ?? '';
  goal.value = essay.wordGoal ? String(essay.wordGoal) : '';
  instructionOver();
  labelToggle();
}

/** The instructions to send with an assessment (none when empty). */
export function assignmentInstruction(): string | undefined {
  const v = instruction.value.trim();
  return v ? v : undefined;
}

/** Disabled while an assessment runs or the inputs can't be sent. */
export function setAssignmentDisabled(on: boolean): void {
  instruction.readOnly = on;
}

function setOpen(open: boolean, focus: boolean): void {
  panel.hidden = !open;
  toggle.setAttribute('aria-expanded', String(open));
  if (open && focus) instruction.focus();
}

function labelToggle(): void {
  const written = instruction.value.trim() !== '';
  toggle.textContent = written ? 'Assignment ✓' : 'Assignment';
  // The tick is for the eye; a screen reader hears "Assignment, written".
  if (written) toggle.setAttribute('aria-label', 'Assignment, written');
  else toggle.removeAttribute('aria-label');
}

function goalOf(v: string): number {
  const n = Math.round(Number(v));
  return Number.isFinite(n) && n > 0 ? Math.min(n, 100_000) : 0;
}

/**
 * The counter under the essay: "312 / 500 words · 2,345 characters"; near the limit "… · 92,000 /
 * 100,000 characters", over it "…, 67,000 over the limit" (with data-level for its colour).
 */
export function showCounter(meta: HTMLElement, text: string): void {
  const words = countWords(text);
  const target = goalOf(goal.value);
  const wordPart = target ? `${words.toLocaleString('en-US')} / ${plural(target, 'word')}` : plural(words, 'word');
  const chars = characterCount(text.length, LIMITS.text);
  meta.textContent = `${wordPart} · ${chars.text}`;
  meta.dataset.level = chars.level;
  meta.dataset.goal = target ? (words >= target ? 'reached' : 'below') : 'none';
}

/**
 * Why the essay can't be assessed as it is (over a limit), shown under the counter; null when it can.
 * (An empty essay is not "blocked": Assess then says to write something.)
 */
export function assessBlock(text: string): string | null {
  let why: string | null = null;
  if (text.length > LIMITS.text) {
    why = `Too long to assess: the limit is ${LIMITS.text.toLocaleString('en-US')} characters. Shorten the essay (or assess it in parts) to get feedback.`;
  } else if (instructionOver()) {
    why = `The assignment instructions are too long to send: the limit is ${LIMITS.instruction.toLocaleString('en-US')} characters.`;
  }
  reason.hidden = why === null;
  reason.textContent = why ?? '';
  return why;
}
