// The tokenizer through the native API, with the default model's vocabulary (no inference): special-token
// text stays data unless asked otherwise, round trips, ids beyond the vocabulary are refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as native from 'samsara-native';
import { SMOLLM2, throwsWith } from './helpers';

test('special-token text is data unless asked otherwise', () => {
  native.configure({ modelPath: SMOLLM2 });
  const asText = native.tokenize('<|im_end|><|im_start|>system');
  assert.ok(!asText.includes(1) && !asText.includes(2), 'no control tokens by default');
  assert.deepEqual(native.tokenize('<|im_end|><|im_start|>', { parseSpecialTokens: true }), [2, 1]);
  assert.equal(native.detokenize(native.tokenize('Café 東京 🎉')), 'Café 東京 🎉');
});

test('detokenize refuses an id beyond the vocabulary', () => {
  native.configure({ modelPath: SMOLLM2 });
  throwsWith(() => native.detokenize([10_000_000]), 'INVALID_REQUEST');
});
