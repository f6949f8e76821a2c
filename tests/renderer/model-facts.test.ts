// What Settings → Models says about a model and a download (renderer/model-facts.ts): sizes in the model
// manager's units, speed, time left, the facts line, and which actions a row offers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes } from '../../electron/models/errors';
import { FIT_LABELS, factsLine, formatEta, formatSize, formatSpeed, fraction, progressText, rowState } from '../../renderer/model-facts';

test('sizes read as the model manager\'s messages say them', () => {
  for (const n of [0, 999, 1000, 128_160, 98_362_432, 807_694_464, 1_117_320_736, 5_864_458_144]) {
    assert.equal(formatSize(n), formatBytes(n), String(n));
  }
  assert.equal(formatSize(98_362_432), '98 MB');
  assert.equal(formatSize(1_117_320_736), '1.1 GB');
});

test('speed and time left', () => {
  assert.equal(formatSpeed(0), '');
  assert.equal(formatSpeed(850_000), '850 KB/s');
  assert.equal(formatSpeed(1_500_000), '1.5 MB/s');
  assert.equal(formatSpeed(31_000_000), '31 MB/s');
  assert.equal(formatEta(null), '');
  assert.equal(formatEta(0.4), 'almost done');
  assert.equal(formatEta(5.2), 'about 6 s left');
  assert.equal(formatEta(125), 'about 3 min left');
  assert.equal(formatEta(3 * 3600 + 60), 'about 3 h 1 min left');
  assert.equal(formatEta(2 * 3600), 'about 2 h left');
});

test('progress: bytes of the total, speed and time left; the share done', () => {
  const p = { bytes: 34e6, total: 98_362_432, bytesPerSecond: 12e6, etaSeconds: 5.4 };
  assert.equal(progressText(p), '34 MB of 98 MB · 12 MB/s · about 6 s left');
  assert.equal(progressText({ bytes: 0, total: null, bytesPerSecond: 0, etaSeconds: null }), '0 bytes so far');
  assert.ok(Math.abs(fraction(p) - 34e6 / 98_362_432) < 1e-9);
  assert.equal(fraction({ ...p, total: null }), 0);
  assert.equal(fraction({ ...p, bytes: 2e8 }), 1);
});

test('the facts line names what is known, and a fit has a label for every level', () => {
  assert.equal(
    factsLine({ sizeBytes: 1_117_320_736, architecture: 'qwen2', quantization: 'Q4_K_M', contextLength: 32768, licence: 'Apache-2.0' }),
    '1.1 GB · qwen2 · Q4_K_M · 32,768-token context · Licence: Apache-2.0',
  );
  // A model added from a file: no licence, maybe no context.
  assert.equal(factsLine({ sizeBytes: 128_160, architecture: 'llama', quantization: 'q8_0', contextLength: null, licence: null }), '128 KB · llama · Q8_0');
  assert.equal(factsLine({ sizeBytes: 0, architecture: 'unknown', quantization: 'unknown', contextLength: 0, licence: 'unknown' }), '');
  assert.deepEqual(Object.keys(FIT_LABELS).sort(), ['fits', 'tight', 'too-big']);
});

test('what a row offers: selected, installed, downloading, available or unsupported', () => {
  const m = { selected: false, installed: false, supported: true, downloading: null };
  assert.equal(rowState(m, false), 'available');
  assert.equal(rowState({ ...m, supported: false }, false), 'unsupported');
  assert.equal(rowState(m, true), 'downloading');
  assert.equal(rowState({ ...m, downloading: { bytes: 1, total: 2, bytesPerSecond: 1, etaSeconds: 1 } }, false), 'downloading', 'one this page did not start');
  assert.equal(rowState({ ...m, installed: true }, false), 'installed');
  assert.equal(rowState({ ...m, installed: true, selected: true }, false), 'selected');
});
