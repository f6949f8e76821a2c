// Counting and showing numbers about an essay. The editor's word counter counts words the way the
// engine's metrics do (native/src/analysis/segment.rs): Unicode (UAX #29) word segments that hold a
// letter or a digit, so "well-known" is two words, "don't" one, and a lone dash or emoji none. Chromium's
// segmenter joins runs of Chinese, Japanese or Thai into dictionary words; the engine's does not, so
// those count one per character here too. Pure, so it is tested apart from the page.
import type { EssayMetrics } from '../preload/api';

/** Rust's char::is_alphanumeric: Alphabetic or a number (Nd, Nl, No). */
const WORDISH = /[\p{Alphabetic}\p{N}]/u;
/** Scripts the engine's segmenter splits at every character (no dictionary). */
const PER_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/gu;

let segmenter: Intl.Segmenter | undefined;

/** The engine's count for the last text it checked (checkText's `words`): the one the metrics agree with. */
let engineCount: { text: string; words: number } | null = null;

export function rememberEngineCount(text: string, words: number): void {
  engineCount = { text, words };
}

/**
 * Words as the metrics count them: the engine's count once it has checked this very text, else the
 * same rule (Unicode word boundaries) run here while the check is on its way.
 */
export function countWords(text: string): number {
  if (engineCount?.text === text) return engineCount.words;
  segmenter ??= new Intl.Segmenter('en', { granularity: 'word' });
  let n = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (!WORDISH.test(segment)) continue;
    const single = segment.match(PER_CHAR);
    if (!single) {
      n += 1;
      continue;
    }
    n += single.length + segment.split(PER_CHAR).filter((rest) => WORDISH.test(rest)).length;
  }
  return n;
}

/** "1 word", "2 words", "1,204 words". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** Readability below this many sentences says nothing useful, so it is not shown. */
export const MIN_SENTENCES_FOR_READABILITY = 3;

function clamp(x: number, lo: number, hi: number): number {
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : lo;
}

/** Flesch reading ease, held to 0–100 (the formula runs past both ends on very short or very long sentences). */
export function readingEase(m: EssayMetrics): number {
  return Math.round(clamp(m.fleschReadingEase, 0, 100));
}

/** Flesch–Kincaid grade, held to 0–18 (school years, then university). */
export function gradeLevel(m: EssayMetrics): number {
  return Math.round(clamp(m.fleschKincaidGrade, 0, 18));
}

/** The metrics line under the summary; readability only from three sentences on. */
export function metricsLine(m: EssayMetrics): string {
  const parts = [
    plural(m.words, 'word'),
    plural(m.sentences, 'sentence'),
    plural(m.paragraphs, 'paragraph'),
    `${m.avgSentenceLength.toLocaleString('en-US')} words per sentence`,
  ];
  if (m.sentences >= MIN_SENTENCES_FOR_READABILITY) {
    parts.push(`reading ease ${readingEase(m)} of 100`, `grade level ${gradeLevel(m)}`);
  }
  return parts.join(' · ');
}
