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
  blockIntroducers: string[];
  commentary: string[];
  quoteRequests: string[];
};
const essay = (name: string) => fs.readFileSync(path.join(ROOT, 'tests', 'fixtures', 'essays', `${name}.txt`), 'utf8');
/** Each essay with a word of one of its sentences, for a question that asks for that sentence. */
const ESSAYS = {
  phones: { text: essay('learner-phones'), word: 'volcanoes' },
  storm: { text: essay('storm'), word: 'chimney' },
  libraries: { text: essay('libraries'), word: 'newspapers' },
};
const QUESTIONS = (word: string) => [
  'Which sentence has a grammar mistake?',
  `Quote the sentence that mentions ${word}.`,
  'What is the weakest sentence in my essay? Quote it.',
  'How could I make my conclusion stronger?',
];

const words = (s: string) => s.toLowerCase().split(/[^\p{L}\p{N}'’]+/u).filter(Boolean);
const introduces = (line: string) => {
  const l = line.trim().toLowerCase();
  return l.endsWith(':') && RULES.blockIntroducers.some((w) => l.includes(w)) && !RULES.cues.some((c) => l.includes(c));
};

/**
 * What a reply presents as the essay's words: quotations in “…” or "…" (long enough, not introduced as
 * a suggestion), and the sentences of the lines after "The weakest sentence in my essay is:" up to a
 * blank line, until the tutor speaks again.
 */
function quotesOfTheEssay(reply: string, question = ''): string[] {
  const out: string[] = [];
  // A question asking for the essay's words makes the answer a quotation from its first line.
  let block = RULES.quoteRequests.some((r) => question.toLowerCase().includes(r));
  let quoted = false;
  for (const line of reply.split('\n')) {
    if (!line.trim()) {
      if (block && quoted) block = false;
      continue;
    }
    if (!block) {
      block = introduces(line);
      quoted = false;
      continue;
    }
    quoted = true;
    for (const sentence of line.match(/[^.!?]+[.!?]*/g) ?? []) {
      if (words(sentence).some((w) => RULES.commentary.includes(w))) {
        block = false;
        break;
      }
      // The quotation's own marks are not the essay's words.
      const bare = sentence.trim().replace(/^["“]+|["”]+$/g, '').trim();
      if (bare) out.push(bare);
    }
    // A line that presents what follows starts a new quotation.
    if (!block) {
      block = introduces(line);
      quoted = false;
    }
  }
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
  for (const [name, { text, word }] of Object.entries(ESSAYS)) {
    for (const message of QUESTIONS(word)) {
      const r = await native.chat({ message, contextText: text });
      asked++;
      assert.ok(r.reply.trim().length > 0, `${name}: "${message}" got an empty reply`);
      assert.ok(r.finishReason === 'stop' || r.finishReason === 'length');
      for (const q of quotesOfTheEssay(r.reply, message)) {
        quotes++;
        assert.ok(text.includes(q), `${name}: "${message}" quoted words that are not in the essay: “${q}”\n${r.reply}`);
      }
    }
  }
  assert.equal(asked, 12);
  console.log(`${asked} questions, ${quotes} quotations of the essays, all verbatim`);
  assert.ok(quotes >= 2, `the replies quoted the essays ${quotes} times: too few for the check to say anything`);
});

test('a question about mistakes is answered from the checker, with the essay\'s own words', async () => {
  const text = ESSAYS.phones.text;
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
