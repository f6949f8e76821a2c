// Reading the contract's lists out of source text (Rust, TypeScript, Markdown) without building or
// loading anything, so tests/contract runs in well under a second. Each reader throws a readable
// error when the shape it expects is gone, rather than returning an empty list that would let a
// comparison pass by accident.

/** `[a-z]+(-[a-z]+)*`: how our rule ids and Harper's (in kebab case) are written. */
const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** `ENGINE_BUSY`, `CANCELLED`: how error codes are written. */
const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

export class ContractParseError extends Error {}

function fail(where: string, what: string): never {
  throw new ContractParseError(`${where}: ${what}`);
}

/**
 * Rust source with comments blanked out and the contents of string and char literals kept as they
 * are, plus a mask saying which characters are code (not in a literal or comment). Positions are
 * unchanged, so an index found in one is valid in the other.
 */
function scanRust(src: string): { text: string; code: boolean[] } {
  const out = src.split('');
  const code = new Array<boolean>(src.length).fill(true);
  let i = 0;
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      code[k] = false;
      if (out[k] !== '\n') out[k] = ' ';
    }
  };
  const literal = (from: number, to: number) => {
    for (let k = from; k < to; k++) code[k] = false;
  };
  while (i < src.length) {
    const c = src[i]!;
    const next = src[i + 1];
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i);
      const to = end === -1 ? src.length : end;
      blank(i, to);
      i = to;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      let k = i + 2;
      while (k < src.length && depth > 0) {
        if (src.startsWith('/*', k)) (depth++, (k += 2));
        else if (src.startsWith('*/', k)) (depth--, (k += 2));
        else k++;
      }
      blank(i, k);
      i = k;
    } else if ((c === 'r' || (c === 'b' && next === 'r')) && /^b?r#*"/.test(src.slice(i, i + 40)) && !/\w/.test(src[i - 1] ?? '')) {
      const m = /^b?r(#*)"/.exec(src.slice(i))!;
      const close = `"${m[1]}`;
      const end = src.indexOf(close, i + m[0].length);
      const to = end === -1 ? src.length : end + close.length;
      literal(i, to);
      i = to;
    } else if (c === '"') {
      let k = i + 1;
      while (k < src.length && src[k] !== '"') k += src[k] === '\\' ? 2 : 1;
      literal(i, k + 1);
      i = k + 1;
    } else if (c === "'" && /^'(?:\\.[^']*|[^\\'])'/.test(src.slice(i, i + 12))) {
      // A char literal ('{', '\n', '\u{7f}'); a lifetime ('a) has no closing quote and stays code.
      const m = /^'(?:\\.[^']*|[^\\'])'/.exec(src.slice(i, i + 12))!;
      literal(i, i + m[0].length);
      i += m[0].length;
    } else {
      i++;
    }
  }
  return { text: out.join(''), code };
}

/** The text between the `{` at or after `from` (in code) and its matching `}`, as [start, end). */
function braced(scan: { text: string; code: boolean[] }, from: number, where: string): [number, number] {
  let open = from;
  while (open < scan.text.length && !(scan.code[open] && scan.text[open] === '{')) open++;
  if (open >= scan.text.length) fail(where, 'no `{` found');
  let depth = 0;
  for (let k = open; k < scan.text.length; k++) {
    if (!scan.code[k]) continue;
    if (scan.text[k] === '{') depth++;
    else if (scan.text[k] === '}' && --depth === 0) return [open + 1, k];
  }
  return fail(where, 'unbalanced braces');
}

/** Rust source without comments and without a trailing `#[cfg(test)] mod … { … }` (tests use ids as data). */
function rustCode(src: string): { text: string; code: boolean[] } {
  const scan = scanRust(src);
  const re = /#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{/g;
  let text = scan.text;
  for (let m = re.exec(scan.text); m; m = re.exec(scan.text)) {
    const [, end] = braced(scan, m.index + m[0].length - 1, 'cfg(test) module');
    text = text.slice(0, m.index) + text.slice(m.index, end + 1).replace(/[^\n]/g, ' ') + text.slice(end + 1);
  }
  return { text, code: scan.code };
}

export interface RustErrorCodes {
  /** The enum's variants, in declaration order. */
  variants: string[];
  /** The JS codes, in the order of the arms of `fn code`. */
  codes: string[];
}

/**
 * The error codes of native/src/error.rs: the variants of `enum EngineError` and the string each arm
 * of `fn code(&self)` gives. Every variant must have exactly one code and codes must be distinct.
 */
export function rustErrorCodes(src: string, where = 'native/src/error.rs'): RustErrorCodes {
  const scan = rustCode(src);
  const enumAt = /\benum\s+EngineError\b/.exec(scan.text);
  if (!enumAt) fail(where, 'no `enum EngineError`');
  const [es, ee] = braced(scan, enumAt.index, `${where} enum EngineError`);
  // Top-level variant names: drop attributes and nested (…)/{…} payloads, then take identifiers.
  let body = scan.text
    .slice(es, ee)
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/#\s*\[[^\]]*\]/g, ' ');
  for (let prev = ''; prev !== body; ) (prev = body), (body = body.replace(/\([^()]*\)|\{[^{}]*\}/g, ' '));
  const variants = body
    .split(',')
    .map((v) => v.replace(/=.*$/s, '').trim())
    .filter((v) => v !== '');
  for (const v of variants) if (!/^[A-Z]\w*$/.test(v)) fail(where, `cannot read the enum variant ${JSON.stringify(v)}`);
  if (variants.length === 0) fail(where, 'enum EngineError has no variants');

  const fnAt = /\bfn\s+code\s*\(\s*&\s*self\s*\)/.exec(scan.text);
  if (!fnAt) fail(where, 'no `fn code(&self)`');
  const [fs, fe] = braced(scan, fnAt.index, `${where} fn code`);
  const arms = [...scan.text.slice(fs, fe).matchAll(/\b(?:EngineError|Self)::(\w+)\s*(?:\([^)]*\)|\{[^}]*\})?\s*=>\s*\{?\s*"([^"]*)"/g)];
  const codes: string[] = [];
  const byVariant = new Map<string, string>();
  for (const [, variant, code] of arms) {
    if (!CODE.test(code!)) fail(where, `${variant} has the code ${JSON.stringify(code)}, not UPPER_SNAKE_CASE`);
    if (byVariant.has(variant!)) fail(where, `${variant} has two arms in fn code`);
    if (codes.includes(code!)) fail(where, `the code ${code} is given twice in fn code`);
    byVariant.set(variant!, code!);
    codes.push(code!);
  }
  for (const v of variants) if (!byVariant.has(v)) fail(where, `the variant ${v} has no code in fn code`);
  for (const v of byVariant.keys()) if (!variants.includes(v)) fail(where, `fn code names ${v}, which is not a variant`);
  return { variants, codes };
}

/** TypeScript/JavaScript source without comments (string contents kept). */
function tsCode(src: string): string {
  // Good enough for our sources: no regex literal or template holds `//` or `/*` in the parts read here.
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end === -1 ? src.length : end;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end === -1 ? src.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let k = i + 1;
      while (k < src.length && src[k] !== c) k += src[k] === '\\' ? 2 : 1;
      out += src.slice(i, k + 1);
      i = k + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const QUOTED = /'([^'\\\n]*)'|"([^"\\\n]*)"/g;

/** The string literals of a union type alias, in order: `export type ErrorCode = | 'A' | 'B';`. */
export function tsStringUnion(src: string, name: string, where: string): string[] {
  const code = tsCode(src);
  const m = new RegExp(`\\btype\\s+${name}\\s*=([^;]*);`).exec(code);
  if (!m) fail(where, `no \`type ${name} = …;\``);
  const rest = m[1]!.replace(QUOTED, ' ').replace(/\|/g, ' ').trim();
  if (rest !== '') fail(where, `type ${name} is not a union of string literals only (found ${JSON.stringify(rest.slice(0, 40))})`);
  return [...m[1]!.matchAll(QUOTED)].map((q) => q[1] ?? q[2]!);
}

/** The string literals of an array constant, in order: `const ERROR_CODES … = ['A', 'B'] …`. */
export function tsStringArray(src: string, name: string, where: string): string[] {
  const code = tsCode(src);
  const m = new RegExp(`\\bconst\\s+${name}\\b[^=]*=\\s*\\[([^\\]]*)\\]`).exec(code);
  if (!m) fail(where, `no array constant ${name}`);
  const rest = m[1]!.replace(QUOTED, ' ').replace(/,/g, ' ').trim();
  if (rest !== '') fail(where, `${name} is not an array of string literals only (found ${JSON.stringify(rest.slice(0, 40))})`);
  return [...m[1]!.matchAll(QUOTED)].map((q) => q[1] ?? q[2]!);
}

/** The top-level keys of an object-literal constant, in order: `const LABELS … = { a: …, 'b-c': … }`. */
export function tsObjectKeys(src: string, name: string, where: string): string[] {
  const code = tsCode(src);
  const m = new RegExp(`\\bconst\\s+${name}\\b[^=]*=\\s*\\{`).exec(code);
  if (!m) fail(where, `no object constant ${name}`);
  let depth = 0;
  let end = -1;
  let k = m.index + m[0].length - 1;
  for (; k < code.length; k++) {
    const c = code[k];
    if (c === "'" || c === '"' || c === '`') {
      let j = k + 1;
      while (j < code.length && code[j] !== c) j += code[j] === '\\' ? 2 : 1;
      k = j;
    } else if (c === '{' || c === '[' || c === '(') depth++;
    else if ((c === '}' || c === ']' || c === ')') && --depth === 0) {
      end = k;
      break;
    }
  }
  if (end < 0) fail(where, `unbalanced braces in ${name}`);
  const body = code.slice(m.index + m[0].length, end);
  // Keys at depth 0 only: cut the body into top-level entries.
  const entries: string[] = [];
  let cur = '';
  depth = 0;
  for (let j = 0; j < body.length; j++) {
    const c = body[j]!;
    if (c === "'" || c === '"' || c === '`') {
      let e = j + 1;
      while (e < body.length && body[e] !== c) e += body[e] === '\\' ? 2 : 1;
      cur += body.slice(j, e + 1);
      j = e;
      continue;
    }
    if ('{[('.includes(c)) depth++;
    if ('}])'.includes(c)) depth--;
    if (c === ',' && depth === 0) (entries.push(cur), (cur = ''));
    else cur += c;
  }
  entries.push(cur);
  return entries
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((e) => {
      const key = /^(?:'([^']*)'|"([^"]*)"|([A-Za-z_$][\w$]*))\s*:/.exec(e);
      if (!key) fail(where, `cannot read a key of ${name} in ${JSON.stringify(e.slice(0, 40))}`);
      return key[1] ?? key[2] ?? key[3]!;
    });
}

/** The `case '…':` labels of a function's switch, in order. */
export function tsSwitchCases(src: string, fn: string, where: string): string[] {
  const code = tsCode(src);
  const at = new RegExp(`\\bfunction\\s+${fn}\\s*\\(`).exec(code);
  if (!at) fail(where, `no function ${fn}`);
  // The function's body: from its first `{` after the parameters to the matching `}`.
  let k = code.indexOf(')', at.index);
  k = code.indexOf('{', k);
  let depth = 0;
  let end = -1;
  for (let j = k; j < code.length; j++) {
    if (code[j] === '{') depth++;
    else if (code[j] === '}' && --depth === 0) {
      end = j;
      break;
    }
  }
  if (k < 0 || end < 0) fail(where, `cannot find the body of ${fn}`);
  return [...code.slice(k, end).matchAll(/\bcase\s+(?:'([^']*)'|"([^"]*)")\s*:/g)].map((q) => q[1] ?? q[2]!);
}

/** Every token that looks like one of our error codes: `ENGINE_…` or `INVALID_…` (with its line). */
export function codeLikeTokens(text: string): { token: string; line: number }[] {
  const found: { token: string; line: number }[] = [];
  text.split('\n').forEach((l, i) => {
    for (const m of l.matchAll(/\b(?:ENGINE|INVALID)_[A-Z0-9_]*[A-Z0-9]\b/g)) found.push({ token: m[0], line: i + 1 });
  });
  return found;
}

/** The codes a `codedError('…', …)` call in native/index.js gives (the JS side of the addon). */
export function jsCodedErrors(src: string): string[] {
  return [...new Set([...tsCode(src).matchAll(/\bcodedError\(\s*(?:'([^']*)'|"([^"]*)")/g)].map((q) => q[1] ?? q[2]!))];
}

/**
 * The first column of the first table under a Markdown heading whose text matches `heading`, with
 * backticks removed: the codes of an "Error codes" table, in order.
 */
export function markdownTableColumn(md: string, heading: RegExp, where: string): string[] {
  const lines = md.split('\n');
  const h = lines.findIndex((l) => /^#{1,6}\s/.test(l) && heading.test(l.replace(/^#+\s*/, '')));
  if (h < 0) fail(where, `no heading matching ${heading}`);
  const rows: string[] = [];
  let inTable = false;
  for (const l of lines.slice(h + 1)) {
    if (/^#{1,6}\s/.test(l)) break;
    if (/^\s*\|/.test(l)) {
      inTable = true;
      rows.push(l);
    } else if (inTable) break;
  }
  if (rows.length < 3) fail(where, `no table (header, separator, rows) under the heading matching ${heading}`);
  return rows.slice(2).map((r) => (r.split('|')[1] ?? '').trim().replace(/^`|`$/g, ''));
}

/**
 * Our style rules in native/src/analysis/rules.rs: the id each `found(…)` call gives (a string literal,
 * or a `const NAME: &str = "…"` of the file), in first-use order, with its category. Tests are skipped.
 */
export function rustStyleRules(src: string, where = 'native/src/analysis/rules.rs'): { id: string; category: string }[] {
  const scan = rustCode(src);
  const text = scan.text;
  const consts = new Map<string, string>();
  for (const m of text.matchAll(/\bconst\s+([A-Z_][A-Z0-9_]*)\s*:\s*&(?:'static\s+)?str\s*=\s*"([^"]*)"\s*;/g)) consts.set(m[1]!, m[2]!);
  const rules: { id: string; category: string }[] = [];
  for (const m of text.matchAll(/\bfound\s*\(\s*(?:"([^"]*)"|([A-Za-z_][\w:]*))\s*,\s*Category::(\w+)/g)) {
    const id = m[1] ?? consts.get(m[2]!.split('::').pop()!);
    if (id === undefined) fail(where, `found(${m[2]}, …): ${m[2]} is not a \`const …: &str\` of this file`);
    if (!KEBAB.test(id)) fail(where, `the rule id ${JSON.stringify(id)} is not kebab case`);
    const seen = rules.find((r) => r.id === id);
    if (seen && seen.category !== m[3]) fail(where, `the rule ${id} is given two categories (${seen.category}, ${m[3]})`);
    if (!seen) rules.push({ id, category: m[3]! });
  }
  if (rules.length === 0) fail(where, 'no `found("rule-id", Category::…, …)` call');
  return rules;
}

/**
 * Our rules inside Harper's group in native/src/analysis/checker.rs: the `OURS` list, and the names
 * `build` adds to the group with `group.add("…", …)` (string literals or consts of the file).
 */
export function rustCheckerRules(src: string, where = 'native/src/analysis/checker.rs'): { ours: string[]; added: string[] } {
  const text = rustCode(src).text;
  const consts = new Map<string, string>();
  for (const m of text.matchAll(/\bconst\s+([A-Z_][A-Z0-9_]*)\s*:\s*&(?:'static\s+)?str\s*=\s*"([^"]*)"\s*;/g)) consts.set(m[1]!, m[2]!);
  const value = (lit: string | undefined, name: string | undefined): string => {
    const v = lit ?? consts.get(name!.split('::').pop()!);
    if (v === undefined) fail(where, `${name} is not a \`const …: &str\` of this file`);
    return v;
  };
  const list = /\bconst\s+OURS\s*:[^=]*=\s*&\s*\[([^\]]*)\]/.exec(text);
  if (!list) fail(where, 'no `const OURS: &[&str] = &[…]`');
  const ours = [...list[1]!.matchAll(/"([^"]*)"|([A-Za-z_][\w:]*)/g)].map((m) => value(m[1], m[2]));
  const added = [...text.matchAll(/\.add\s*\(\s*(?:"([^"]*)"|([A-Za-z_][\w:]*))\s*,/g)].map((m) => value(m[1], m[2]));
  if (ours.length === 0) fail(where, 'OURS is empty');
  return { ours, added };
}

/**
 * The rule ids native/index.d.ts documents as ours, in the doc comment of `Comment.rule`:
 * "ours are spelling, subject-verb-agreement, …; Harper's are …".
 */
export function dtsOurRuleIds(src: string, where = 'native/index.d.ts'): string[] {
  const m = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*rule\??\s*:/.exec(src);
  if (!m) fail(where, 'no doc comment on `rule?:`');
  const doc = m[1]!.replace(/^\s*\*/gm, ' ').replace(/\s+/g, ' ');
  const ours = /\bours are ([^;]*);/.exec(doc);
  if (!ours) fail(where, 'the doc comment of `rule` no longer says "ours are …;"');
  const ids = ours[1]!.split(/[\s,]+/).filter((s) => s !== '');
  for (const id of ids) if (!KEBAB.test(id)) fail(where, `"${id}" in the list of our rule ids is not a rule id`);
  return ids;
}

/** The rule ids a TS file compares `….rule` with: `c.rule === 'double-word'`. */
export function tsRuleComparisons(src: string): string[] {
  return [...tsCode(src).matchAll(/\.rule\s*[!=]==?\s*(?:'([^']*)'|"([^"]*)")/g)].map((q) => q[1] ?? q[2]!);
}

/** What differs between two lists meant to be the same: missing and extra members, or the order. */
export function difference(expected: readonly string[], actual: readonly string[], ordered: boolean): string | null {
  const missing = expected.filter((x) => !actual.includes(x));
  const extra = actual.filter((x) => !expected.includes(x));
  const dupes = actual.filter((x, i) => actual.indexOf(x) !== i);
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.join(', ')}`);
  if (extra.length) parts.push(`unknown ${extra.join(', ')}`);
  if (dupes.length) parts.push(`listed twice ${dupes.join(', ')}`);
  if (parts.length === 0 && ordered && expected.join() !== actual.join()) {
    parts.push(`in another order: ${actual.join(', ')} (expected ${expected.join(', ')})`);
  }
  return parts.length ? parts.join('; ') : null;
}
