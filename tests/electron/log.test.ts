// The lifecycle log's stdout sink: when the pipe that started the process closes (the terminal went
// away), writing gives EPIPE; the process must go on instead of dying on the unhandled 'error'.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');

function runWithClosedStdout(script: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Read one chunk, then close our end of the pipe: the child's next writes fail with EPIPE.
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const WRITE_LINES = (sink: string) => `
  ${sink}
  let i = 0;
  const timer = setInterval(() => { for (let k = 0; k < 50; k++) write('line ' + i++); }, 5);
  setTimeout(() => { clearInterval(timer); process.stderr.write('alive after ' + i + ' lines'); process.exit(0); }, 600);
`;

test('a closed stdout does not end the process (the sink takes the EPIPE)', async () => {
  const r = await runWithClosedStdout(
    WRITE_LINES(`const { stdoutSink } = require('./electron/log.ts'); const write = stdoutSink();`),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /alive after \d+ lines/);
});

test('without it, the same writes end the process (what the sink guards against)', async () => {
  const r = await runWithClosedStdout(WRITE_LINES(`const write = (l) => process.stdout.write(l + '\\n');`));
  assert.notEqual(r.code, 0, 'plain writes to a closed pipe crash with EPIPE');
  assert.match(r.stderr, /EPIPE/);
});
