// What the page says about the school server (renderer/provider-text.ts): who answered, the status
// pill and its details, the key field's placeholder and note (never the key), Test connection's outcome.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HealthReport, ProviderReport } from '../../preload/api';
import {
  FELL_BACK,
  FROM_SCHOOL,
  answeredNote,
  hostOf,
  keyNote,
  keyPlaceholder,
  providerDetails,
  providerStatus,
  testedText,
} from '../../renderer/provider-text';

const health = (provider: ProviderReport): Pick<HealthReport, 'provider'> => ({ provider });

test('who answered: nothing for this computer, a note for the school server, and the fallback with its reason', () => {
  assert.equal(answeredNote({ answeredBy: 'local' }), null);
  assert.deepEqual(answeredNote({ answeredBy: 'openai-compatible' }), { text: FROM_SCHOOL, fallback: false });
  assert.equal(FROM_SCHOOL, 'From the school server');
  assert.equal(FELL_BACK, 'The school server could not be reached, so this computer answered.');
  assert.deepEqual(answeredNote({ answeredBy: 'local', fallbackReason: 'llm.school.example could not be reached.' }), {
    text: FELL_BACK,
    fallback: true,
    reason: 'llm.school.example could not be reached.',
  });
});

test('the status pill: nothing of its own for this computer; reachable, unreachable, not checked yet', () => {
  assert.equal(providerStatus(health({ kind: 'local' })), null);
  assert.deepEqual(providerDetails(health({ kind: 'local' })), []);
  const base = { kind: 'openai-compatible', baseUrl: 'https://llm.school.example:8443/v1', model: 'qwen2.5-7b' } as const;
  assert.deepEqual(providerStatus(health({ ...base, reachable: true })), { text: 'School server: qwen2.5-7b', state: 'ready' });
  assert.deepEqual(providerStatus(health({ ...base, reachable: false })), { text: 'School server unreachable', state: 'failed' });
  assert.deepEqual(providerStatus(health(base)), { text: 'Checking the school server…', state: 'loading' });
  const rows = providerDetails(health({ ...base, reachable: false, checkedAt: '2026-12-01T10:00:00.000Z', error: 'llm.school.example:8443 could not be reached.' }));
  assert.deepEqual(rows.map(([label]) => label), ['Tutor', 'Server', 'Server model', 'Reachable', 'Problem']);
  assert.equal(rows[1]?.[1], 'llm.school.example:8443', 'the host, not the whole address');
  assert.match(rows[3]?.[1] ?? '', /^No \(checked /);
  assert.equal(hostOf('not a url'), 'not a url');
});

test('the key field: a saved key is only said to be there; where it is kept', () => {
  const none = { hasKey: false, keyStorage: 'none', encryptionAvailable: true } as const;
  const encrypted = { hasKey: true, keyStorage: 'encrypted', encryptionAvailable: true } as const;
  const session = { hasKey: true, keyStorage: 'session', encryptionAvailable: false } as const;
  assert.equal(keyPlaceholder(none), 'If your school gave you one');
  assert.equal(keyPlaceholder(encrypted), 'Saved — type to replace');
  assert.equal(keyPlaceholder(session), 'Kept until Samsara closes — type to replace');
  assert.match(keyNote(encrypted), /^Kept encrypted on this computer/);
  assert.match(keyNote(session), /kept only until Samsara closes/);
  assert.match(keyNote({ ...none, encryptionAvailable: false }), /can’t encrypt a key/);
});

test('Test connection in words', () => {
  assert.equal(testedText(['m1', 'm2']), 'Connected: 2 models');
  assert.equal(testedText(['m1']), 'Connected: 1 model');
  assert.match(testedText([]), /lists no models/);
});
