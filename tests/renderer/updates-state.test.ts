// Settings → Updates (renderer/updates-state.ts): busy while checking or downloading.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UpdateStatus } from '../../preload/api';
import { updatesBusy } from '../../renderer/updates-state';

const status = (s: Partial<UpdateStatus>): UpdateStatus => ({ auto: true, state: 'idle', currentVersion: '0.1.0', message: '', ...s });

test('busy while checking or downloading', () => {
  assert.deepEqual(
    (['off', 'idle', 'checking', 'downloading', 'ready', 'up-to-date', 'error', 'unavailable'] as const).filter((state) => updatesBusy(status({ state }))),
    ['checking', 'downloading'],
  );
});
