// What Settings → Updates says (renderer/updates-text.ts): main's message as it is, else a sentence for
// the state; busy while checking or downloading.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UpdateStatus } from '../../preload/api';
import { updatesBusy, updatesStatusText } from '../../renderer/updates-text';

const status = (s: Partial<UpdateStatus>): UpdateStatus => ({ auto: true, state: 'idle', currentVersion: '0.1.0', ...s });

test("main's message is shown as it is", () => {
  const message = 'Version 0.2.0 will be installed when you quit Samsara.';
  assert.equal(updatesStatusText(status({ state: 'ready', version: '0.2.0', message })), message);
  assert.equal(
    updatesStatusText(status({ state: 'unavailable', message: 'Updates are checked in the installed app only.' })),
    'Updates are checked in the installed app only.',
  );
});

test('without a message, a sentence for the state', () => {
  assert.equal(updatesStatusText(status({ state: 'off', auto: false })), 'Automatic updates are off.');
  assert.equal(updatesStatusText(status({ state: 'unavailable' })), 'Updates are checked in the installed app only.');
  assert.equal(updatesStatusText(status({ state: 'ready', version: '0.2.0' })), 'Version 0.2.0 will be installed when you quit Samsara.');
  assert.equal(updatesStatusText(status({ state: 'up-to-date' })), 'You have Samsara 0.1.0.');
});

test('busy while checking or downloading', () => {
  assert.deepEqual(
    (['off', 'idle', 'checking', 'downloading', 'ready', 'up-to-date', 'error', 'unavailable'] as const).filter((state) => updatesBusy(status({ state }))),
    ['checking', 'downloading'],
  );
});
