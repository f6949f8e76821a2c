// The assessment evaluation (`npm run eval`, and tests/eval/eval.test.ts): runs assessEssay on every
// essay in tests/fixtures/essays/ with the real model and measures what issue #4 promises.
import fs from 'node:fs';
import path from 'node:path';
import type * as Native from '../../native/index';
import { assessmentSchema } from '../../electron/schemas';

export const ESSAYS_DIR = path.resolve(__dirname, '..', 'fixtures', 'essays');

export interface Planted {
  rule: string;
  quote: string;
}
export interface EssayCase {
  name: string;
  text: string;
  kind: string;
  planted: Planted[];
}

export function loadEssays(): EssayCase[] {
  return fs
    .readdirSync(ESSAYS_DIR)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => {
      const name = f.replace(/\.txt$/, '');
      const meta = JSON.parse(fs.readFileSync(path.join(ESSAYS_DIR, `${name}.json`), 'utf8')) as Omit<EssayCase, 'name' | 'text'>;
      return { name, text: fs.readFileSync(path.join(ESSAYS_DIR, f), 'utf8'), ...meta };
    });
}

export interface EssayResult {
  name: string;
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
  missed: Planted[];
  duplicates: number;
}

export interface EvalReport {
  model: string;
  date: string;
  essays: EssayResult[];
  schemaValidPct: number;
  anchorsVerbatimPct: number;
  recallPct: number;
  duplicates: number;
  meanMs: number;
  p95Ms: number;
}

type Result = { comments: Native.Comment[] };

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

/** Pairs of comments that say the same thing: equal text, or the same rule on the same span. */
export function duplicatePairs(comments: Native.Comment[]): number {
  let n = 0;
  comments.forEach((a, i) =>
    comments.slice(i + 1).forEach((b) => {
      const sameText = norm(a.content) === norm(b.content);
      const sameSpan = !!a.anchor && !!b.anchor && a.anchor.start === b.anchor.start && a.anchor.end === b.anchor.end;
      if (sameText || (sameSpan && a.rule === b.rule && a.source === b.source)) n++;
    }),
  );
  return n;
}

/** A planted problem is found when a rule comment of its rule overlaps its (first) occurrence. */
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

export async function evaluate(
  engine: typeof Native,
  essays: EssayCase[],
  onEssay?: (r: EssayResult) => void,
): Promise<EvalReport> {
  const results: EssayResult[] = [];
  for (const essay of essays) {
    const t0 = performance.now();
    let raw: unknown;
    let error: string | undefined;
    try {
      raw = await engine.assessEssay({ fileId: `eval-${essay.name}`, text: essay.text }, { timeoutMs: 600_000 });
    } catch (e) {
      error = `${(e as { code?: string }).code ?? 'ERROR'}: ${(e as Error).message}`;
    }
    const ms = performance.now() - t0;
    const parsed = assessmentSchema.safeParse(raw);
    const comments = parsed.success ? (raw as Result).comments : [];
    const inline = comments.filter((c) => c.kind === 'inline');
    const verbatim = inline.filter((c) => c.anchor && essay.text.slice(c.anchor.start, c.anchor.end) === c.anchor.quote);
    const { found, missed } = plantedFound(essay, comments);
    const r: EssayResult = {
      name: essay.name,
      ms: Math.round(ms),
      ...(error ? { error } : parsed.success ? {} : { error: `schema: ${parsed.error.issues[0]?.message}` }),
      schemaValid: parsed.success,
      comments: comments.length,
      fromRules: comments.filter((c) => c.source === 'rules').length,
      fromModel: comments.filter((c) => c.source === 'model').length,
      inline: inline.length,
      inlineVerbatim: verbatim.length,
      plantedFound: found,
      plantedTotal: essay.planted.length,
      missed,
      duplicates: duplicatePairs(comments),
    };
    results.push(r);
    onEssay?.(r);
  }
  const sum = (f: (r: EssayResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const pct = (a: number, b: number) => (b === 0 ? 100 : Math.round((1000 * a) / b) / 10);
  const health = await engine.healthCheck();
  return {
    model: health.model.name ?? path.basename(health.model.path ?? '?'),
    date: new Date().toISOString().slice(0, 10),
    essays: results,
    schemaValidPct: pct(sum((r) => (r.schemaValid ? 1 : 0)), results.length),
    anchorsVerbatimPct: pct(sum((r) => r.inlineVerbatim), sum((r) => r.inline)),
    recallPct: pct(sum((r) => r.plantedFound), sum((r) => r.plantedTotal)),
    duplicates: sum((r) => r.duplicates),
    meanMs: Math.round(sum((r) => r.ms) / Math.max(1, results.length)),
    p95Ms: p95(results.map((r) => r.ms)),
  };
}

export function formatReport(r: EvalReport): string {
  const lines = [
    `model: ${r.model} (${r.date})`,
    'essay            ms      comments (rules/model)  inline verbatim  planted found  dup',
    ...r.essays.map(
      (e) =>
        `${e.name.padEnd(14)} ${String(e.ms).padStart(7)}  ${String(e.comments).padStart(4)} (${e.fromRules}/${e.fromModel})`.padEnd(49) +
        `${e.inlineVerbatim}/${e.inline}`.padEnd(17) +
        `${e.plantedFound}/${e.plantedTotal}`.padEnd(15) +
        `${e.duplicates}${e.error ? `  ${e.error}` : ''}${e.missed.length ? `  missed: ${e.missed.map((m) => `${m.rule} "${m.quote}"`).join(', ')}` : ''}`,
    ),
    '',
    `schema-valid ${r.schemaValidPct} % · inline anchors verbatim ${r.anchorsVerbatimPct} % · planted-problem recall (analysis) ${r.recallPct} % · duplicate comments ${r.duplicates} · latency mean ${(r.meanMs / 1000).toFixed(1)} s, p95 ${(r.p95Ms / 1000).toFixed(1)} s`,
  ];
  return lines.join('\n');
}
