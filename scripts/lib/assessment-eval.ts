// The assessment evaluation (`npm run eval` in scripts/eval.ts, and tests/eval/eval.test.ts): runs assessEssay with the
// real model on every essay of the fixture sets and measures what the feedback issues promise, with
// Harper alone (its default configuration, the peer) measured on the same essays in the same run.
//
// Sets: tests/fixtures/essays/ (dev: written before the checker work, tuned on), and essays-heldout/,
// essays-heldout2/, essays-heldout3/ (each written independently by someone who saw neither the code
// nor the other essays, measured once before any tuning on it — those first figures are in
// docs/assessment.md — then tuned on).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type * as Native from '../../native/index';
import { assessmentSchema } from '../../electron/schemas';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'tests', 'fixtures');
export const SETS = ['essays', 'essays-heldout', 'essays-heldout2', 'essays-heldout3'] as const;
export type SetName = (typeof SETS)[number];

/** A problem for one of our style rules (the older fixtures): found when that rule marks it. */
export interface Planted {
  rule: string;
  quote: string;
}
/** An everyday learner error: `wrong` (first found inside `context`) should become `fix`. */
export interface PlantedError {
  kind: string;
  context: string;
  wrong: string;
  fix: string;
}
export interface EssayCase {
  set: SetName;
  name: string;
  file: string;
  text: string;
  kind: string;
  planted: Planted[];
  /** Absent: the essay is not part of the error evaluation. [] : a clean essay. */
  errors?: PlantedError[];
}

export function loadEssays(sets: readonly SetName[] = SETS): EssayCase[] {
  return sets.flatMap((set) => {
    const dir = path.join(FIXTURES, set);
    // The sets are committed: a missing one is an error, not a smaller evaluation that still passes.
    if (!fs.existsSync(dir)) throw new Error(`essay set ${set} is missing: ${path.relative(ROOT, dir)}`);
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => {
        const name = f.replace(/\.txt$/, '');
        const file = path.join(dir, f);
        const meta = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as Omit<
          EssayCase,
          'set' | 'name' | 'file' | 'text'
        >;
        return { set, name, file, text: fs.readFileSync(file, 'utf8'), ...meta };
      });
  });
}

/** What spelling, grammar, usage and punctuation comments claim: the text is wrong. */
const MISTAKES = new Set(['spelling', 'grammar', 'usage', 'punctuation']);

/** The error's UTF-16 span in the essay. */
function errorSpan(essay: EssayCase, e: PlantedError): { start: number; end: number } {
  const at = essay.text.indexOf(e.context);
  const inner = e.context.indexOf(e.wrong);
  if (at < 0 || inner < 0) throw new Error(`${essay.name}: planted context not in the essay: ${e.context}`);
  return { start: at + inner, end: at + inner + e.wrong.length };
}

/** A flag on the essay: where, and the replacements offered (best first). */
export interface Flag {
  start: number;
  end: number;
  suggestions: string[];
}

export interface ErrorScore {
  total: number;
  found: number;
  /** Found errors whose top suggestion, applied, gives exactly the intended fix. */
  suggestionRight: number;
  /** Flags that don't touch a planted error (on clean essays: false alarms). */
  unplanted: number;
  missed: string[];
  wrongSuggestions: string[];
}

/** Scores flags against an essay's planted errors. */
export function scoreErrors(essay: EssayCase, flags: Flag[]): ErrorScore {
  const errors = essay.errors ?? [];
  const used = new Set<Flag>();
  const score: ErrorScore = { total: errors.length, found: 0, suggestionRight: 0, unplanted: 0, missed: [], wrongSuggestions: [] };
  for (const e of errors) {
    const span = errorSpan(essay, e);
    const hits = flags.filter((f) => f.start < span.end && f.end > span.start);
    hits.forEach((h) => used.add(h));
    const hit = hits[0];
    if (!hit) {
      score.missed.push(`${e.kind} "${e.context}"`);
      continue;
    }
    score.found++;
    const intended = essay.text.slice(0, span.start) + e.fix + essay.text.slice(span.end);
    const top = hit.suggestions[0];
    if (top !== undefined && essay.text.slice(0, hit.start) + top + essay.text.slice(hit.end) === intended) {
      score.suggestionRight++;
    } else {
      score.wrongSuggestions.push(`${e.kind} "${e.wrong}" → ${JSON.stringify(hit.suggestions.slice(0, 3))}`);
    }
  }
  score.unplanted = flags.filter((f) => !used.has(f)).length;
  return score;
}

/** Harper alone, default configuration (native/examples/harper_default.rs), on these files. */
export function harperFlags(files: string[]): Map<string, { flags: Flag[]; ms: number }> {
  const bin = path.join(ROOT, 'target', 'release', 'examples', process.platform === 'win32' ? 'harper_default.exe' : 'harper_default');
  if (!fs.existsSync(bin)) {
    const built = spawnSync('cargo', ['build', '--release', '--example', 'harper_default'], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('could not build the harper_default example');
  }
  const r = spawnSync(bin, files, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`harper_default failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, { ms: number; lints: Array<Flag & { kind: string }> }>;
  // Harper's style suggestions (Oxford comma, …) are not counted against it: only what claims a mistake.
  const suggestionKinds = new Set(['Style', 'Enhancement', 'Readability', 'Regionalism']);
  return new Map(
    Object.entries(out).map(([file, v]) => [file, { ms: v.ms, flags: v.lints.filter((l) => !suggestionKinds.has(l.kind)) }]),
  );
}

/** Word sequences of the prompts (native/src/tasks/prompts.json) that must never come back. */
const ECHO_WORDS = 5;
function sequences(text: string): Set<string> {
  const words = text.toLowerCase().split(/[^\p{L}\p{N}']+/u).filter(Boolean);
  const out = new Set<string>();
  for (let i = 0; i + ECHO_WORDS <= words.length; i++) out.add(words.slice(i, i + ECHO_WORDS).join(' '));
  return out;
}
const PROMPT_SEQUENCES = new Set(
  Object.values(JSON.parse(fs.readFileSync(path.join(ROOT, 'native', 'src', 'tasks', 'prompts.json'), 'utf8')) as Record<string, string>).flatMap(
    (p) => [...sequences(p)],
  ),
);
export function echoesPrompt(text: string): boolean {
  return [...sequences(text)].some((s) => PROMPT_SEQUENCES.has(s));
}

/** Words a comment names in quotation marks. */
export function namedWords(comment: string): string[] {
  return [...comment.matchAll(/(?:^|[^\p{L}\p{N}])['‘"“]([^'’"”]+)['’"”](?![\p{L}\p{N}])/gu)].map((m) => (m[1] ?? '').trim()).filter(Boolean);
}

export interface EssayResult {
  set: SetName;
  name: string;
  words: number;
  ms: number;
  error?: string;
  schemaValid: boolean;
  comments: number;
  fromRules: number;
  fromModel: number;
  inline: number;
  inlineVerbatim: number;
  plantedFound: number;
  plantedTotal: number;
  missedPlanted: Planted[];
  duplicates: number;
  /** Model comments that repeat prompt text, or name words outside the span they quote. */
  modelEchoes: number;
  modelOffSpan: number;
  ours?: ErrorScore;
  harper?: ErrorScore & { ms: number };
}

type Result = { comments: Native.Comment[] };

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Pairs of comments that say the same thing about the same place: the same span (or both on the whole
 * essay) with equal text or from the same rule. The same message at two places ("Incorrect indefinite
 * article." for two different mistakes) is two findings, not a duplicate.
 */
export function duplicatePairs(comments: Native.Comment[]): number {
  let n = 0;
  comments.forEach((a, i) =>
    comments.slice(i + 1).forEach((b) => {
      const samePlace = a.anchor && b.anchor ? a.anchor.start === b.anchor.start && a.anchor.end === b.anchor.end : !a.anchor && !b.anchor;
      const sameText = norm(a.content) === norm(b.content);
      if (samePlace && (sameText || (a.rule === b.rule && a.source === b.source))) n++;
    }),
  );
  return n;
}

/** A style-rule problem is found when a comment of its rule overlaps its (first) occurrence. */
export function plantedFound(essay: EssayCase, comments: Native.Comment[]): { found: number; missed: Planted[] } {
  const missed: Planted[] = [];
  for (const p of essay.planted) {
    const start = essay.text.indexOf(p.quote);
    if (start < 0) throw new Error(`${essay.name}: planted quote not in the essay: ${p.quote}`);
    const end = start + p.quote.length;
    const hit = comments.some(
      (c) => c.source === 'rules' && c.rule === p.rule && c.anchor && c.anchor.start < end && c.anchor.end > start,
    );
    if (!hit) missed.push(p);
  }
  return { found: essay.planted.length - missed.length, missed };
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.95 * s.length) - 1)] ?? 0;
}

export interface Totals {
  errors: number;
  found: number;
  recallPct: number;
  suggestionRightPct: number;
  cleanWords: number;
  falseAlarms: number;
  falseAlarmsPer300: number;
}

function totals(results: EssayResult[], who: 'ours' | 'harper'): Totals {
  const scored = results.filter((r) => r[who]);
  const sum = (f: (s: ErrorScore, r: EssayResult) => number) => scored.reduce((a, r) => a + f(r[who] as ErrorScore, r), 0);
  const errors = sum((s) => s.total);
  const found = sum((s) => s.found);
  const clean = scored.filter((r) => (r[who] as ErrorScore).total === 0);
  const cleanWords = clean.reduce((a, r) => a + r.words, 0);
  const falseAlarms = clean.reduce((a, r) => a + (r[who] as ErrorScore).unplanted, 0);
  return {
    errors,
    found,
    recallPct: pct(found, errors),
    suggestionRightPct: pct(sum((s) => s.suggestionRight), found),
    cleanWords,
    falseAlarms,
    falseAlarmsPer300: cleanWords ? Math.round((300 * falseAlarms * 100) / cleanWords) / 100 : 0,
  };
}

function pct(a: number, b: number): number {
  return b === 0 ? 100 : Math.round((1000 * a) / b) / 10;
}

export interface EvalReport {
  model: string;
  date: string;
  essays: EssayResult[];
  schemaValidPct: number;
  anchorsVerbatimPct: number;
  /** The style-rule problems of the older fixtures. */
  plantedRecallPct: number;
  duplicates: number;
  modelEchoes: number;
  modelOffSpan: number;
  /** Essays where the model added at least one comment. */
  withModelComment: number;
  meanMs: number;
  p95Ms: number;
  /** Everyday errors and false alarms, ours (the assessment's comments) and Harper's, per set and in all. */
  errors: Record<SetName | 'all', { ours: Totals; harper: Totals }>;
}

export async function evaluate(
  engine: typeof Native,
  essays: EssayCase[],
  onEssay?: (r: EssayResult) => void,
): Promise<EvalReport> {
  const scoredFiles = essays.filter((e) => e.errors).map((e) => e.file);
  const harper = harperFlags(scoredFiles);
  const results: EssayResult[] = [];
  for (const essay of essays) {
    const t0 = performance.now();
    let raw: unknown;
    let error: string | undefined;
    try {
      raw = await engine.assessEssay({ fileId: `eval-${essay.set}-${essay.name}`, text: essay.text }, { timeoutMs: 600_000 });
    } catch (e) {
      error = `${(e as { code?: string }).code ?? 'ERROR'}: ${(e as Error).message}`;
    }
    const ms = performance.now() - t0;
    const parsed = assessmentSchema.safeParse(raw);
    const comments = parsed.success ? (raw as Result).comments : [];
    const inline = comments.filter((c) => c.kind === 'inline');
    const verbatim = inline.filter((c) => c.anchor && essay.text.slice(c.anchor.start, c.anchor.end) === c.anchor.quote);
    const { found, missed } = plantedFound(essay, comments);
    const model = comments.filter((c) => c.source === 'model');
    const flags: Flag[] = comments
      .filter((c) => c.anchor && MISTAKES.has(c.category ?? ''))
      .map((c) => ({ start: c.anchor?.start ?? 0, end: c.anchor?.end ?? 0, suggestions: c.suggestions ?? [] }));
    const h = harper.get(essay.file);
    const r: EssayResult = {
      set: essay.set,
      name: essay.name,
      words: essay.text.split(/\s+/u).filter(Boolean).length,
      ms: Math.round(ms),
      ...(error ? { error } : parsed.success ? {} : { error: `schema: ${parsed.error.issues[0]?.message}` }),
      schemaValid: parsed.success,
      comments: comments.length,
      fromRules: comments.filter((c) => c.source === 'rules').length,
      fromModel: model.length,
      inline: inline.length,
      inlineVerbatim: verbatim.length,
      plantedFound: found,
      plantedTotal: essay.planted.length,
      missedPlanted: missed,
      duplicates: duplicatePairs(comments),
      modelEchoes: model.filter((c) => echoesPrompt(c.content)).length,
      modelOffSpan: model.filter((c) => {
        const named = namedWords(c.content);
        const quote = c.anchor?.quote.toLowerCase();
        return quote !== undefined && named.length > 0 && !named.some((w) => quote.includes(w.toLowerCase()));
      }).length,
      ...(essay.errors ? { ours: scoreErrors(essay, flags) } : {}),
      ...(essay.errors && h ? { harper: { ...scoreErrors(essay, h.flags), ms: Math.round(h.ms) } } : {}),
    };
    results.push(r);
    onEssay?.(r);
  }
  const sum = (f: (r: EssayResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const health = await engine.healthCheck();
  const bySet = (set: SetName | 'all') => {
    const rs = results.filter((r) => set === 'all' || r.set === set);
    return { ours: totals(rs, 'ours'), harper: totals(rs, 'harper') };
  };
  return {
    model: health.model.name ?? path.basename(health.model.path ?? '?'),
    date: new Date().toISOString().slice(0, 10),
    essays: results,
    schemaValidPct: pct(sum((r) => (r.schemaValid ? 1 : 0)), results.length),
    anchorsVerbatimPct: pct(sum((r) => r.inlineVerbatim), sum((r) => r.inline)),
    plantedRecallPct: pct(sum((r) => r.plantedFound), sum((r) => r.plantedTotal)),
    duplicates: sum((r) => r.duplicates),
    modelEchoes: sum((r) => r.modelEchoes),
    modelOffSpan: sum((r) => r.modelOffSpan),
    withModelComment: sum((r) => (r.fromModel > 0 ? 1 : 0)),
    meanMs: Math.round(sum((r) => r.ms) / Math.max(1, results.length)),
    p95Ms: p95(results.map((r) => r.ms)),
    errors: {
      essays: bySet('essays'),
      'essays-heldout': bySet('essays-heldout'),
      'essays-heldout2': bySet('essays-heldout2'),
      'essays-heldout3': bySet('essays-heldout3'),
      all: bySet('all'),
    },
  };
}

const SET_LABELS: Record<SetName | 'all', string> = {
  essays: 'dev (tuned on)',
  'essays-heldout': 'held-out 1 (tuned on after its first measurement)',
  'essays-heldout2': 'held-out 2 (tuned on after its first measurement)',
  'essays-heldout3': 'held-out 3 (tuned on after its first measurement)',
  all: 'all',
};

export function formatReport(r: EvalReport): string {
  const row = (who: string, t: Totals) =>
    `  ${who.padEnd(16)} ${`${t.found}/${t.errors}`.padStart(7)} ${`${t.recallPct} %`.padStart(8)}   ${`${t.falseAlarms} in ${t.cleanWords} words`.padEnd(20)} ${String(t.falseAlarmsPer300).padStart(5)}   ${`${t.suggestionRightPct} %`.padStart(7)}`;
  const lines = [
    `model: ${r.model} (${r.date})`,
    'essay                          ms   comments (rules/model)  verbatim  style-planted  errors found (Harper)  dup',
    ...r.essays.map((e) => {
      const errs = e.ours ? `${e.ours.found}/${e.ours.total} (${e.harper?.found ?? '-'})` : '-';
      const notes = [
        e.error,
        e.missedPlanted.length ? `missed style: ${e.missedPlanted.map((m) => `${m.rule} "${m.quote}"`).join(', ')}` : '',
        e.ours?.missed.length ? `missed: ${e.ours.missed.join(', ')}` : '',
        e.ours && e.ours.total === 0 && e.ours.unplanted ? `false alarms: ${e.ours.unplanted}` : '',
        e.ours?.wrongSuggestions.length ? `top suggestion wrong: ${e.ours.wrongSuggestions.join(', ')}` : '',
      ].filter(Boolean);
      return (
        `${`${e.set === 'essays' ? '' : `${e.set.replace('essays-', '')}/`}${e.name}`.padEnd(28)} ${String(e.ms).padStart(6)}  ${String(e.comments).padStart(4)} (${e.fromRules}/${e.fromModel})`.padEnd(57) +
        `${e.inlineVerbatim}/${e.inline}`.padEnd(10) +
        `${e.plantedFound}/${e.plantedTotal}`.padEnd(15) +
        errs.padEnd(23) +
        `${e.duplicates}${notes.length ? `  ${notes.join('; ')}` : ''}`
      );
    }),
    '',
    'everyday errors        found   recall   false alarms (clean)  /300w   top suggestion right',
    ...([...SETS, 'all'] as const).flatMap((set) => [
      ` ${SET_LABELS[set]}`,
      row('Samsara', r.errors[set].ours),
      row('Harper (default)', r.errors[set].harper),
    ]),
    '',
    `schema-valid ${r.schemaValidPct} % · inline anchors verbatim ${r.anchorsVerbatimPct} % · style-rule recall ${r.plantedRecallPct} % · duplicate comments ${r.duplicates} · model comments echoing a prompt ${r.modelEchoes}, naming words outside their span ${r.modelOffSpan}, essays with a model comment ${r.withModelComment}/${r.essays.length} · latency mean ${(r.meanMs / 1000).toFixed(1)} s, p95 ${(r.p95Ms / 1000).toFixed(1)} s`,
  ];
  return lines.join('\n');
}
