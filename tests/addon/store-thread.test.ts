// The store thread through the native API, no model: a history file locked by another program at
// start-up freezes nothing and loses nothing, and a burst of history calls costs no threads.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import * as native from 'samsara-native';
import { closeStoreAndRemove } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-store-thread-'));
after(() => closeStoreAndRemove(native, dir));

/** Another program (Python's sqlite3) holding a write transaction on `file` until killed. */
async function lockedBy(file: string) {
  const script = `import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('BEGIN EXCLUSIVE'); c.execute('CREATE TABLE other_program (x)')
print('locked', flush=True); sys.stdin.read()`;
  const child = spawn('python3', ['-c', script, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the locking process exited (${code})`)));
  });
  return child;
}

test('a history file locked at start-up: healthCheck does not wait, and the session reaches the file once it opens', async () => {
  const file = path.join(dir, 'locked.db');
  const locker = await lockedBy(file);
  try {
    const t0 = performance.now();
    native.configure({ storePath: file });
    const first = await native.healthCheck();
    assert.ok(performance.now() - t0 < 100, `configure + healthCheck took ${performance.now() - t0} ms`);
    assert.equal(first.store.path, file);
    // The session goes on: the word is kept in memory meanwhile and healthCheck says why.
    await native.addWord('Okonkwo');
    assert.deepEqual(await native.listWords(), ['okonkwo']);
    const during = await native.healthCheck();
    assert.equal(during.store.status, 'degraded');
    assert.equal(during.store.persistent, false);
    assert.match(during.store.error ?? '', /saved to the file once it opens/);
  } finally {
    locker.kill();
  }
  const deadline = Date.now() + 15_000;
  while ((await native.healthCheck()).store.status !== 'ok') {
    assert.ok(Date.now() < deadline, JSON.stringify((await native.healthCheck()).store));
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await native.healthCheck()).store.persistent, true);
  // Opened afresh, the file has the word added while it was locked.
  native.configure({ storePath: '' });
  await native.listWords();
  native.configure({ storePath: file });
  assert.deepEqual(await native.listWords(), ['okonkwo']);
});

test('5,000 concurrent history calls are answered by one store thread', { skip: process.platform !== 'linux' && 'reads /proc/self/status' }, async () => {
  native.configure({ storePath: path.join(dir, 'burst.db') });
  const threads = () => Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1]);
  await native.listChat('warm-up');
  const before = threads();
  let peak = before;
  const calls = Array.from({ length: 5000 }, (_, i) => native.listChat(`essay-${i % 7}`));
  const sampler = setInterval(() => { peak = Math.max(peak, threads()); }, 1);
  peak = Math.max(peak, threads());
  const results = await Promise.all(calls);
  clearInterval(sampler);
  assert.equal(results.length, 5000);
  assert.ok(results.every((r) => Array.isArray(r) && r.length === 0));
  assert.ok(peak - before <= 2, `threads went from ${before} to ${peak}`);
});
