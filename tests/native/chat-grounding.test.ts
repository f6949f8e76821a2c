// The tutor stays grounded in the essay, with the real default model: over 12 questions on 3 essays,
// every quotation it presents as the student's words is a verbatim span of the essay (quotation rules
// from native/src/tasks/suggestion-cues.json, the list the engine uses); questions about mistakes are
// answered from the checker's findings; with no essay it invents none; the finish reason is given.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { ROOT, SMOLLM2 } from './helpers';

after(() => native.shutdown());

const RULES = JSON.parse(fs.readFileSync(path.join(ROOT, 'native', 'src', 'tasks', 'suggestion-cues.json'), 'utf8')) as {
  minQuoteWords: number;
  cues: string[];
};
const essay = (name: string) => fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'essays', `${name}.txt`), 'utf8');
const ESSAYS = { phones: essay('learner-phones'), storm: essay('storm'), libraries: essay('libraries') };
const QUESTIONS = [
  'Which sentence has a grammar mistake?',
  'Quote the sentence where I make my main point.',
  'What is the weakest sentence in my essay? Quote it.',
  'How could I make my conclusion stronger?',
];

/** Quotations in “…” or "…" presented as the essay's words: long enough, and not introduced as a suggestion. */
function quotesOfTheEssay(reply: string): string[] {
  const out: string[] = [];
  for (const m of reply.matchAll(/“([^”\n]*)”|"([^"\n]*)"/g)) {
    const quoted = m[1] ?? m[2] ?? '';
    const before = reply.slice(Math.max(0, (m.index ?? 0) - 40), m.index).toLowerCase();
    if (quoted.trim().split(/\s+/).length < RULES.minQuoteWords) continue;
    if (RULES.cues.some((cue) => before.includes(cue))) continue;
    out.push(quoted);
  }
  return out;
}

test('every quotation of the essay in a reply is verbatim (12 questions, 3 essays)', { timeout: 900_000 }, async () => {
  native.configure({ modelPath: SMOLLM2 });
  let asked = 0;
  let quotes = 0;
  for (const [name, text] of Object.entries(ESSAYS)) {
    for (const message of QUESTIONS) {
      const r = await native.chat({ fileId: `grounding-${name}`, message, contextText: text });
      asked++;
      assert.ok(r.reply.trim().length > 0, `${name}: "${message}" got an empty reply`);
      assert.ok(r.finishReason === 'stop' || r.finishReason === 'length');
      for (const q of quotesOfTheEssay(r.reply)) {
        quotes++;
        assert.ok(text.includes(q), `${name}: "${message}" quoted words that are not in the essay: “${q}”\n${r.reply}`);
      }
    }
  }
  assert.equal(asked, 12);
  console.log(`${asked} questions, ${quotes} quotations of the essays, all verbatim`);
});

test('a question about mistakes is answered from the checker, with the essay\'s own words', async () => {
  const text = ESSAYS.phones;
  const checked = await native.checkText({ text });
  const mistakes = checked.comments.filter((c) => ['spelling', 'grammar', 'usage', 'punctuation'].includes(c.category ?? ''));
  assert.ok(mistakes.length >= 5);
  const r = await native.chat({ message: 'What mistakes did I make?', contextText: text });
  for (const c of mistakes.slice(0, 5)) {
    assert.ok(r.reply.includes(`“${c.anchor?.quote}”`), `the reply names “${c.anchor?.quote}”:\n${r.reply}`);
    assert.ok(r.reply.includes(c.suggestions?.[0] ?? ''), `and its fix ${c.suggestions?.[0]}`);
  }
  assert.equal(r.finishReason, 'stop');
});

test('with no essay, a question about "my essay" gets no invented essay', async () => {
  const r = await native.chat({ message: 'Can you check my essay for mistakes?' });
  assert.match(r.reply, /can't see an essay/);
  assert.equal(quotesOfTheEssay(r.reply).length, 0);
  const general = await native.chat({ message: 'What is a thesis statement?' });
  assert.ok(general.reply.length > 20);
  assert.equal(quotesOfTheEssay(general.reply).length, 0, `no quotation presented as the student's words:\n${general.reply}`);
});
