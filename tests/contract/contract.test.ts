// One source for the contract (issue 15). The error codes come from one Rust enum
// (native/src/error.rs) and our rule ids from the Rust checker (native/src/analysis/checker.rs, OURS)
// and style rules (native/src/analysis/rules.rs); every copy elsewhere — the TypeScript types, the
// service, the renderer, the docs — is read here as text and compared with them. No build and no
// model: the whole file runs in well under a second.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  ContractParseError,
  codeLikeTokens,
  difference,
  dtsOurRuleIds,
  jsCodedErrors,
  markdownTableColumn,
  rustCheckerRules,
  rustErrorCodes,
  rustStyleRules,
  tsObjectKeys,
  tsRuleComparisons,
  tsStringArray,
  tsStringUnion,
  tsSwitchCases,
} from './parse';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** Fails naming the file, what was compared and the codes or ids that differ from the source. */
function same(file: string, what: string, source: string, expected: readonly string[], actual: readonly string[], ordered = true): void {
  const diff = difference(expected, actual, ordered);
  if (diff) assert.fail(`${file}: ${what}: ${diff} (the source is ${source})`);
}

/** Fails naming each file and line with a code that is not in `codes`. */
function onlyKnown(files: readonly string[], codes: readonly string[]): void {
  const unknown = files.flatMap((f) =>
    codeLikeTokens(read(f))
      .filter((t) => !codes.includes(t.token))
      .map((t) => `${f}:${t.line} ${t.token}`),
  );
  if (unknown.length) assert.fail(`unknown error codes (the codes are ${codes.join(', ')}): ${unknown.join('; ')}`);
}

/** .ts/.js/.md files under the given folders (recursively), relative to the root. */
function files(dirs: readonly string[], ext: RegExp, skip: RegExp = /node_modules|^tests\/(contract|fixtures)\//): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (skip.test(rel)) continue;
      if (e.isDirectory()) walk(rel);
      else if (ext.test(e.name)) out.push(rel);
    }
  };
  dirs.forEach(walk);
  return out.sort();
}

const ERROR_RS = 'native/src/error.rs';
const CODES = rustErrorCodes(read(ERROR_RS)).codes;

// ---- Error codes: native/src/error.rs is the source. ----

test('error.rs: every variant of EngineError has one distinct code', () => {
  const { variants, codes } = rustErrorCodes(read(ERROR_RS));
  assert.equal(codes.length, variants.length);
  assert.ok(codes.includes('INVALID_REQUEST') && codes.includes('ENGINE_BUSY'), codes.join());
});

test('native/index.d.ts: the ErrorCode union is the codes of error.rs, in order', () => {
  same('native/index.d.ts', 'type ErrorCode', ERROR_RS, CODES, tsStringUnion(read('native/index.d.ts'), 'ErrorCode', 'native/index.d.ts'));
});

test('electron/error-codes.ts: ERROR_CODES, and the messages of userMessage in service.ts, cover the codes of error.rs', () => {
  same('electron/error-codes.ts', 'ERROR_CODES', ERROR_RS, CODES, tsStringArray(read('electron/error-codes.ts'), 'ERROR_CODES', 'electron/error-codes.ts'));
  const src = read('electron/service.ts');
  // The switch may group codes, so the order is free; tsc already makes it exhaustive.
  same('electron/service.ts', 'the cases of userMessage', ERROR_RS, CODES, tsSwitchCases(src, 'userMessage', 'electron/service.ts'), false);
});

test('native/index.js, electron/, preload/, renderer/, scripts/, tests/: no unknown ENGINE_*/INVALID_* code', () => {
  for (const c of jsCodedErrors(read('native/index.js'))) {
    assert.ok(CODES.includes(c), `native/index.js: codedError('${c}', …) is not a code of ${ERROR_RS} (${CODES.join(', ')})`);
  }
  const toast = tsSwitchCases(read('renderer/toast.ts'), 'title', 'renderer/toast.ts');
  const extra = toast.filter((c) => !CODES.includes(c));
  assert.deepEqual(extra, [], `renderer/toast.ts: title() has cases for unknown codes ${extra.join(', ')}`);
  const sources = files(['electron', 'preload', 'renderer', 'scripts', 'tests'], /\.(ts|js)$/);
  onlyKnown(['native/index.js', 'native/index.d.ts', ...sources], CODES);
});

test("docs/native-api.md: the Error codes table lists the codes of error.rs, in order; README and docs name no other", () => {
  const table = markdownTableColumn(read('docs/native-api.md'), /^error codes$/i, 'docs/native-api.md');
  same('docs/native-api.md', 'the table under "## Error codes"', ERROR_RS, CODES, table);
  onlyKnown(['README.md', ...files(['docs'], /\.md$/)], CODES);
});

// ---- Rule ids: native/src/analysis/checker.rs (OURS) and rules.rs are the source. ----

const CHECKER_RS = 'native/src/analysis/checker.rs';
const RULES_RS = 'native/src/analysis/rules.rs';
const OURS = rustCheckerRules(read(CHECKER_RS)).ours;
const STYLE = rustStyleRules(read(RULES_RS)).map((r) => r.id);
/**
 * Ids the engine no longer gives that saved assessments may still carry (before the Harper checker,
 * e818fb0): the renderer keeps labels for them. A rule renamed or removed in Rust goes here when the
 * renderer keeps its old label.
 */
const RETIRED = ['misspelling', 'double-word'];

test('checker.rs: the rules added to Harper\'s group are exactly OURS', () => {
  const { ours, added } = rustCheckerRules(read(CHECKER_RS));
  same(CHECKER_RS, 'group.add(…) in build()', `${CHECKER_RS} OURS`, ours, added, false);
  const both = OURS.filter((id) => STYLE.includes(id));
  assert.deepEqual(both, [], `${CHECKER_RS} and ${RULES_RS} both give the rule ids ${both.join(', ')}`);
});

test('native/index.d.ts: the rule ids documented as ours are those of checker.rs and rules.rs', () => {
  const documented = dtsOurRuleIds(read('native/index.d.ts'));
  const source = `${CHECKER_RS} OURS + ${RULES_RS}`;
  same('native/index.d.ts', 'the doc comment of Comment.rule ("ours are …")', source, [...OURS, ...STYLE], documented, false);
});

test('renderer/: rule labels and comparisons name only rules that exist (or are listed as retired above)', () => {
  const known = [...OURS, ...STYLE];
  const reused = RETIRED.filter((id) => known.includes(id));
  assert.deepEqual(reused, [], `retired rule ids given again by the engine: ${reused.join(', ')} (take them out of RETIRED)`);
  const named = new Map<string, string[]>();
  const note = (id: string, where: string) => named.set(id, [...(named.get(id) ?? []), where]);
  for (const id of tsObjectKeys(read('renderer/labels.ts'), 'OLD_RULE_LABELS', 'renderer/labels.ts')) {
    note(id, 'renderer/labels.ts OLD_RULE_LABELS');
  }
  for (const f of files(['renderer', 'electron', 'preload'], /\.ts$/)) {
    for (const id of tsRuleComparisons(read(f))) note(id, `${f} (.rule === '${id}')`);
  }
  const unknown = [...named].filter(([id]) => !known.includes(id) && !RETIRED.includes(id));
  assert.deepEqual(
    unknown.map(([id, where]) => `${id} in ${where.join(', ')}`),
    [],
    `rule ids that neither ${CHECKER_RS} OURS nor ${RULES_RS} gives ` +
      '(rename them, or list them in RETIRED in tests/contract/contract.test.ts)',
  );
  const stale = RETIRED.filter((id) => !named.has(id));
  assert.deepEqual(stale, [], `RETIRED lists ids the renderer no longer names: ${stale.join(', ')}`);
});

// ---- The readers and comparisons above, on altered copies: a drift fails, with a message naming it. ----

test('a code added to error.rs and missing from a copy fails, naming the code and the file', () => {
  const rust = read(ERROR_RS)
    .replace(/(\n\s*Cancelled\(String\),)/, '$1\n    /// Not real: the test\'s.\n    #[error("{0}")]\n    ContractTest(String),')
    .replace(/(EngineError::Cancelled\(_\) => "CANCELLED",)/, '$1\n            EngineError::ContractTest(_) => "ENGINE_CONTRACT_TEST",');
  const { variants, codes } = rustErrorCodes(rust);
  assert.ok(variants.includes('ContractTest'), variants.join());
  assert.deepEqual([...codes].sort(), [...CODES, 'ENGINE_CONTRACT_TEST'].sort());
  const dts = tsStringUnion(read('native/index.d.ts'), 'ErrorCode', 'native/index.d.ts');
  assert.throws(
    () => same('native/index.d.ts', 'type ErrorCode', ERROR_RS, codes, dts),
    (e: Error) => {
      // "native/index.d.ts: type ErrorCode: missing ENGINE_CONTRACT_TEST (the source is native/src/error.rs)"
      // while the real files agree; a real drift is named in the same message.
      assert.match(e.message, /^native\/index\.d\.ts: type ErrorCode: missing (?:[A-Z_]+, )*ENGINE_CONTRACT_TEST\b/);
      assert.match(e.message, /\(the source is native\/src\/error\.rs\)$/);
      return true;
    },
  );
  const table = markdownTableColumn(read('docs/native-api.md'), /^error codes$/i, 'docs/native-api.md');
  assert.throws(
    () => same('docs/native-api.md', 'table', ERROR_RS, codes, table),
    /docs\/native-api\.md: table: missing (?:[A-Z_]+, )*ENGINE_CONTRACT_TEST\b/,
  );
  // A variant without an arm in fn code is caught by the reader too (rustc would also refuse it).
  const noArm = read(ERROR_RS).replace(/(\n\s*Cancelled\(String\),)/, '$1\n    ContractTest(String),');
  assert.throws(
    () => rustErrorCodes(noArm),
    (e: Error) => e instanceof ContractParseError && /ContractTest has no code/.test(e.message),
  );
});

test('a code that is only in a copy, or a copy in another order, fails', () => {
  const dts = read('native/index.d.ts').replace("| 'CANCELLED';", "| 'CANCELLED'\n  | 'ENGINE_GONE';");
  const union = tsStringUnion(dts, 'ErrorCode', 'native/index.d.ts');
  assert.throws(
    () => same('native/index.d.ts', 'type ErrorCode', ERROR_RS, CODES, union),
    /native\/index\.d\.ts: type ErrorCode: .*unknown (?:[A-Z_]+, )*ENGINE_GONE\b/,
  );
  const swapped = [...CODES.slice(1), CODES[0]!];
  assert.throws(() => same('electron/service.ts', 'ERROR_CODES', ERROR_RS, CODES, swapped), /in another order/);
  assert.doesNotThrow(() => same('electron/service.ts', 'cases', ERROR_RS, CODES, swapped, false));
  const codes = read('electron/error-codes.ts').replace("'ENGINE_BUSY',", "'ENGINE_BUSY',\n  'ENGINE_BUSSY',");
  const listed = tsStringArray(codes, 'ERROR_CODES', 'electron/error-codes.ts');
  assert.deepEqual(listed.filter((c) => !CODES.includes(c)), ['ENGINE_BUSSY']);
  const readme = '| `ENGINE_BUSY` | full |\nRetry on `ENGINE_BUZY`.\n';
  assert.deepEqual(codeLikeTokens(readme).filter((t) => !CODES.includes(t.token)), [{ token: 'ENGINE_BUZY', line: 2 }]);
  // A union that stops being string literals is refused rather than read as shorter.
  assert.throws(() => tsStringUnion("export type ErrorCode = 'A' | Other;", 'ErrorCode', 'x.d.ts'), ContractParseError);
  assert.throws(() => markdownTableColumn('# Error codes\nnone yet\n', /^error codes$/i, 'x.md'), /no table/);
});

test('a rule added to rules.rs or checker.rs and not documented fails, naming the rule', () => {
  const rules = read(RULES_RS).replace(
    /pub fn check\(essay: &Essay\) -> Vec<Finding> \{/,
    'fn split(r: Range<usize>) -> Finding { found("split-infinitive", Category::Style, r, String::new()) }\n$&',
  );
  const style = rustStyleRules(rules).map((r) => r.id);
  assert.ok(style.includes('split-infinitive'), style.join());
  const documented = dtsOurRuleIds(read('native/index.d.ts'));
  assert.throws(
    () => same('native/index.d.ts', 'Comment.rule', RULES_RS, [...OURS, ...style], documented, false),
    /missing (?:[a-z-]+, )*split-infinitive\b/,
  );

  // Ids through consts of the file read the same; a test module's ids are not rules.
  const viaConsts = [
    'pub const PASSIVE_VOICE: &str = "passive-voice";',
    'fn a() { found(PASSIVE_VOICE, Category::Style, 0..1, m()); }',
    'fn b() { found("long-sentence", Category::Clarity, 0..1, m()); }',
    '#[cfg(test)]\nmod tests {\n    fn t() { found("only-in-tests", Category::Style, 0..1, m()); }\n}',
  ].join('\n');
  assert.deepEqual(rustStyleRules(viaConsts), [
    { id: 'passive-voice', category: 'Style' },
    { id: 'long-sentence', category: 'Clarity' },
  ]);
  assert.throws(() => rustStyleRules('fn a() { found(NOWHERE, Category::Style, 0..1, m()); }'), /NOWHERE is not a `const/);

  const checker = read(CHECKER_RS).replace(
    /(group\.add\("sentence-start",[^\n]*\n)/,
    '$1    group.add("comma-splice", CommaSplice);\n',
  );
  const { ours, added } = rustCheckerRules(checker);
  assert.throws(() => same(CHECKER_RS, 'group.add', 'OURS', ours, added, false), /unknown (?:[a-z-]+, )*comma-splice\b/);
});

test('the renderer reads rule ids from labels and comparisons', () => {
  const labels = [
    'const OLD_RULE_LABELS: Record<string, string> = {',
    "  misspelling: 'Spelling',",
    "  'double-word': 'Doubled, word', // a comment: 'x'",
    '  "x-y": f({ a: 1, b: 2 }),',
    '};',
  ].join('\n');
  assert.deepEqual(tsObjectKeys(labels, 'OLD_RULE_LABELS', 'x.ts'), ['misspelling', 'double-word', 'x-y']);
  const comparisons = "if (c.rule === 'passive') x(); // c.rule === 'in-a-comment'\nif (a.rule !== \"b-c\") y();";
  assert.deepEqual(tsRuleComparisons(comparisons), ['passive', 'b-c']);
});

test('the error.rs reader does not depend on formatting: comments, attributes, payloads, block arms, Self::', () => {
  const src = [
    '/// A doc with { a brace and a "quote',
    '#[derive(Debug)]',
    'pub enum EngineError {',
    '    #[error("bad [x] {0}")]',
    '    InvalidRequest(String),',
    '    Timeout { ms: u64 },',
    '    Busy,',
    '}',
    'impl EngineError {',
    "    pub fn code(&self) -> &'static str {",
    '        match self {',
    "            Self::InvalidRequest(..) => \"INVALID_REQUEST\", // '}'",
    '            EngineError::Timeout { .. } => {',
    '                "ENGINE_TIMEOUT"',
    '            }',
    '            EngineError::Busy => "ENGINE_BUSY",',
    '        }',
    '    }',
    '}',
  ].join('\n');
  assert.deepEqual(rustErrorCodes(src, 'x.rs'), {
    variants: ['InvalidRequest', 'Timeout', 'Busy'],
    codes: ['INVALID_REQUEST', 'ENGINE_TIMEOUT', 'ENGINE_BUSY'],
  });
  const twice = src.replace('"ENGINE_BUSY"', '"ENGINE_TIMEOUT"');
  assert.throws(() => rustErrorCodes(twice, 'x.rs'), /ENGINE_TIMEOUT is given twice/);
});
