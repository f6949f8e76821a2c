// What the "Delete essay" panel says about the essay's dates: when it was started and last edited, and
// when each of its saved assessments was made (newest first). Pure: the date format is passed in.
import type { EssayDraft } from './essays';

/** At most this many assessment dates are named; the rest are counted. */
const MAX_LISTED = 5;

/** A date as the student reads them, e.g. "30 Nov 2026, 23:10" (their locale's medium date, short time). */
export function readableDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The lines of the panel's date list (an essay from before start dates were kept has none for it). */
export function essayDates(
  essay: Pick<EssayDraft, 'createdAt' | 'updatedAt'>,
  assessed: ReadonlyArray<{ createdAt: string }>,
  format: (iso: string) => string = readableDate,
): string[] {
  const lines: string[] = [];
  const started = essay.createdAt ? format(essay.createdAt) : '';
  const edited = essay.updatedAt ? format(essay.updatedAt) : '';
  if (started) lines.push(`Started ${started}`);
  if (edited && edited !== started) lines.push(`Last edited ${edited}`);
  const dates = assessed.map((a) => format(a.createdAt)).filter((d) => d !== '');
  if (dates.length === 0) {
    lines.push('No saved assessments');
  } else {
    const named = dates.slice(0, MAX_LISTED);
    const more = dates.length - named.length;
    const list = more > 0 ? `${named.join('; ')} and ${more} earlier` : named.join('; ');
    lines.push(dates.length === 1 ? `Assessed ${list}` : `Assessed ${dates.length} times: ${list}`);
  }
  return lines;
}
