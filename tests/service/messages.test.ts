// Every message a student can be shown about what they sent is plain language and names no field of
// the request: each over-limit (and empty, or broken) field through the main-process service, checked
// for camelCase names (fileId, contextText, …). No model is needed: zod answers before the engine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from 'samsara-native';
import { jsonLogger } from '../../electron/log';
import { SamsaraService, userMessage } from '../../electron/service';
import type { ApiResult } from '../../preload/api';
import { LIMITS } from '../../preload/limits';
import { APP, APP_ORIGIN, envelope } from './helpers';

const service = new SamsaraService({ engine, log: jsonLogger(() => undefined), trustedOrigins: [APP_ORIGIN] });
const FIELD_NAME = /\b[a-z]+[A-Z][A-Za-z]*\b/;
const over = (n: number) => 'x'.repeat(n + 1);
const comment = (c: Record<string, unknown>) => ({ fileId: 'f', text: 'An essay.', comments: [{ content: 'A comment.', kind: 'inline', ...c }] });

function messageOf(r: ApiResult<unknown>): string {
  assert.equal(r.ok, false);
  if (r.ok) return '';
  assert.equal(r.error.code, 'INVALID_REQUEST');
  return r.error.message;
}

test('each field over its limit: a plain message with the limit, naming what the student wrote', async () => {
  const requests: Array<[string, string, unknown, RegExp]> = [
    ['essay', 'assessEssay', { fileId: 'f', text: over(LIMITS.text) }, /^The essay is too long: the limit is 100,000 characters/],
    ['instruction', 'assessEssay', { fileId: 'f', text: 'An essay.', instruction: over(LIMITS.instruction) }, /^The assignment is too long: the limit is 2,000/],
    ['fileId', 'assessEssay', { fileId: over(LIMITS.fileId), text: 'An essay.' }, /^The essay's id is too long/],
    ['message', 'chat', { message: over(LIMITS.message) }, /^Your question is too long: the limit is 8,000/],
    ['contextText', 'chat', { message: 'Hi?', contextText: over(LIMITS.text) }, /^The essay sent with your question is too long/],
    ['summary text', 'generateFeedbackSummary', { fileId: 'f', text: over(LIMITS.text) }, /^The essay is too long/],
    ['comments', 'generateFeedbackSummary', { fileId: 'f', text: 'An essay.', comments: Array(LIMITS.comments + 1).fill({ content: 'c', kind: 'block' }) }, /^At most 200 comments/],
    ['comment content', 'generateFeedbackSummary', comment({ content: over(LIMITS.message) }), /^A comment is too long/],
    ['comment source', 'generateFeedbackSummary', comment({ source: over(LIMITS.label) }), /^A comment's label is longer than 64/],
    ['comment rule', 'generateFeedbackSummary', comment({ rule: over(LIMITS.label) }), /^A comment's label is longer than 64/],
    ['suggestions', 'generateFeedbackSummary', comment({ suggestions: Array(LIMITS.suggestions + 1).fill('a') }), /^A comment has at most 10 suggestions/],
    ['suggestion', 'generateFeedbackSummary', comment({ suggestions: [over(LIMITS.message)] }), /^A suggestion is too long/],
    ['quote', 'generateFeedbackSummary', comment({ anchor: { start: 0, end: 1, quote: over(LIMITS.text) } }), /^A comment's quote is too long/],
    ['empty essay', 'assessEssay', { fileId: 'f', text: ' ' }, /^The essay is empty\.$/],
    ['empty question', 'chat', { message: '' }, /^Your question is empty\.$/],
    ['broken question', 'chat', { message: 'hi \ud83d' }, /^Your question contains a broken character/],
  ];
  for (const [what, action, payload, expected] of requests) {
    const message = messageOf(await service.request(action, APP, envelope(`t-${what}`, payload)));
    assert.match(message, expected, `${what}: ${message}`);
    assert.doesNotMatch(message, FIELD_NAME, `${what}: ${message}`);
  }
  const ticket = messageOf(await service.request('chat', APP, envelope(over(LIMITS.ticket), { message: 'Hi?' })));
  assert.doesNotMatch(ticket, FIELD_NAME, ticket);
  const checks: Array<[string, 'checkText' | 'addWord', unknown, RegExp]> = [
    ['checked essay', 'checkText', { text: over(LIMITS.text) }, /^The essay is too long/],
    ['word', 'addWord', over(LIMITS.word), /^The word is too long: the limit is 64/],
  ];
  for (const [what, action, argument, expected] of checks) {
    const message = messageOf(await service.checker(action, APP, argument));
    assert.match(message, expected, `${what}: ${message}`);
    assert.doesNotMatch(message, FIELD_NAME, `${what}: ${message}`);
  }
  const history = messageOf(await service.history('listChat', APP, over(LIMITS.fileId)));
  assert.doesNotMatch(history, FIELD_NAME, history);
});

test("an engine message that starts with a field's name is said in words", () => {
  assert.equal(
    userMessage('INVALID_REQUEST', 'contextText is 100001 characters; the limit is 100000.', 60_000),
    'The essay sent with your question is 100001 characters; the limit is 100000.',
  );
  assert.equal(userMessage('INVALID_REQUEST', 'A dictionary word is one word.', 60_000), 'A dictionary word is one word.');
});
