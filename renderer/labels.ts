// Names shown to the student: comment badges (by category), dialects. Pure, so it is tested apart from the page.
import type { Category, Comment, Dialect } from '../preload/api';

export const CATEGORY_LABELS: Record<Category, string> = {
  spelling: 'Spelling',
  grammar: 'Grammar',
  usage: 'Word choice',
  punctuation: 'Punctuation',
  style: 'Style',
  clarity: 'Clarity',
  structure: 'Structure',
};

/** Labels of the rules of assessments saved before comments had a category. */
const OLD_RULE_LABELS: Record<string, string> = {
  misspelling: 'Spelling',
  'double-word': 'Doubled word',
  'repeated-word': 'Repetition',
  'long-sentence': 'Long sentence',
  'repeated-opening': 'Sentence openings',
  'passive-voice': 'Passive voice',
  'one-sentence-paragraph': 'Paragraphing',
};

/** The badge of a comment: its category (the tutor's marked as such); old saved comments by their rule. */
export function badge(c: Comment): string {
  if (c.category) return c.source === 'model' ? `Tutor · ${CATEGORY_LABELS[c.category]}` : CATEGORY_LABELS[c.category];
  if (c.source === 'rules') return OLD_RULE_LABELS[c.rule ?? ''] ?? 'Analysis';
  return c.kind === 'inline' ? 'Tutor · in the text' : 'Tutor · overall';
}

/** The category a comment is drawn in (underline colour and style); old saved comments by their rule. */
export function categoryOf(c: Comment): Category | undefined {
  if (c.category) return c.category;
  if (c.rule === 'misspelling') return 'spelling';
  if (c.rule === 'double-word') return 'grammar';
  return undefined;
}

export const DIALECT_NAMES: Record<Exclude<Dialect, 'auto'>, string> = {
  american: 'American',
  british: 'British',
  canadian: 'Canadian',
  australian: 'Australian',
  indian: 'Indian',
};

/** An option of the dialect select; Auto names what it found once a check has said ("Auto (British)"). */
export function dialectLabel(d: Dialect, detected?: Exclude<Dialect, 'auto'>): string {
  if (d === 'auto') return detected ? `Auto (${DIALECT_NAMES[detected]})` : 'Auto';
  return `${DIALECT_NAMES[d]} English`;
}

/** Some checker messages quote words in `backticks` (Markdown); a student reads “quotes”. */
export function readable(content: string): string {
  return content.replace(/`([^`\n]+)`/g, '“$1”');
}
