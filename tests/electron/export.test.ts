// "Save as PDF" in main (electron/export.ts, wired by electron/ipc.ts and SamsaraService.exportPdf) and
// the one web permission the page gets (electron/permissions.ts: clipboard writes, for "Copy as text"),
// under Node with stand-ins for Electron's parts: the logic a real Electron would run, minus Electron.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import Module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CHANNELS } from '../../preload/api';
import { pdfFileName, savePdf, withPdfExtension, writeFailure, type ExportIo } from '../../electron/export';
import { allowPermission } from '../../electron/permissions';
import { SamsaraService, type Engine } from '../../electron/service';

const PDF = new TextEncoder().encode('%PDF-1.7 stand-in');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-export-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

function io(over: Partial<ExportIo> = {}, seen: string[] = []): ExportIo {
  return {
    printToPdf: async () => {
      seen.push('print');
      return PDF;
    },
    chooseFile: async (p) => {
      seen.push(`choose ${p}`);
      return path.join(dir, 'chosen.pdf');
    },
    writeFile: async (f, d) => {
      seen.push(`write ${path.basename(f)}`);
      fs.writeFileSync(f, d);
    },
    folder: () => '/home/student/Documents',
    ...over,
  };
}

test('the suggested name comes from the title, safe on every system', () => {
  assert.equal(pdfFileName('Why we sleep'), 'Why we sleep – feedback.pdf');
  assert.equal(pdfFileName('A/B: "tests"? <yes>|no*'), 'A B tests yes no – feedback.pdf');
  assert.equal(pdfFileName('  ..hidden.  '), 'hidden – feedback.pdf');
  assert.equal(pdfFileName(''), 'Essay – feedback.pdf');
  assert.equal(pdfFileName(undefined), 'Essay – feedback.pdf');
  assert.equal(pdfFileName('CON'), 'Essay – feedback.pdf');
  assert.equal(pdfFileName('tab\there\nnewline'), 'tab here newline – feedback.pdf');
  assert.ok([...pdfFileName('é'.repeat(500))].length <= 80 + ' – feedback.pdf'.length);
  assert.equal(withPdfExtension('/x/notes'), '/x/notes.pdf');
  assert.equal(withPdfExtension('/x/notes.pdf'), '/x/notes.pdf');
  assert.equal(withPdfExtension('/x/notes.PDF'), '/x/notes.PDF');
});

test('prints, then asks where (in Documents, named after the essay), then writes; answers the path', async () => {
  const seen: string[] = [];
  const r = await savePdf(io({}, seen), { title: 'Why we sleep' });
  assert.deepEqual(r, { ok: true, data: { path: path.join(dir, 'chosen.pdf') } });
  assert.deepEqual(seen, ['print', `choose ${path.join('/home/student/Documents', 'Why we sleep – feedback.pdf')}`, 'write chosen.pdf']);
  assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(dir, 'chosen.pdf'))), PDF);
});

test('cancelled: data null and nothing written; no Documents folder: the dialog starts with the name alone', async () => {
  const seen: string[] = [];
  const folderless = io({ chooseFile: async (p) => (seen.push(`choose ${p}`), null), folder: () => { throw new Error('no such folder'); } }, seen);
  assert.deepEqual(await savePdf(folderless, {}), { ok: true, data: null });
  assert.deepEqual(seen, ['print', 'choose Essay – feedback.pdf']);
  // A path without an extension gets .pdf.
  const bare = await savePdf(io({ chooseFile: async () => path.join(dir, 'bare') }), { title: 'x' });
  assert.deepEqual(bare, { ok: true, data: { path: path.join(dir, 'bare.pdf') } });
  assert.ok(fs.existsSync(path.join(dir, 'bare.pdf')));
});

test('failures are plain messages; a bad argument is refused before anything is printed', async () => {
  const seen: string[] = [];
  const bad = await savePdf(io({}, seen), { title: 5 });
  assert.equal(bad.ok, false);
  assert.deepEqual(seen, []);
  assert.equal((await savePdf(io(), { title: 'x', path: '/etc/passwd' })).ok, false, 'no other keys (the page never picks the path)');

  const printFails = await savePdf(io({ printToPdf: async () => Promise.reject(new Error('GPU process crashed at 0x1234')) }), {});
  assert.equal(printFails.ok, false);
  if (!printFails.ok) {
    assert.equal(printFails.error.code, 'ENGINE_ACTION_FAILED');
    assert.doesNotMatch(printFails.error.message, /0x1234|GPU/);
  }
  const denied = await savePdf(io({ writeFile: async () => Promise.reject(Object.assign(new Error('EACCES: /root/x'), { code: 'EACCES' })) }), {});
  assert.ok(!denied.ok && denied.error.message === writeFailure({ code: 'EACCES' }));
  if (!denied.ok) {
    assert.match(denied.error.message, /not allowed to write there/);
    assert.doesNotMatch(denied.error.message, /EACCES|\/root/);
  }
  assert.match(writeFailure({ code: 'ENOSPC' }), /disk is full/);
  assert.equal(writeFailure(new Error('odd')), 'The PDF could not be saved there. Choose another folder and try again.');
});

test('over IPC: our window prints itself (A4, backgrounds) and saves via the dialog; another page is refused', async () => {
  const handled = new Map<string, (...args: unknown[]) => unknown>();
  const dialogCalls: unknown[][] = [];
  let chosen: { canceled: boolean; filePath: string } = { canceled: false, filePath: path.join(dir, 'ipc') };
  const fakeElectron = {
    ipcMain: { handle: (channel: string, fn: (...args: unknown[]) => unknown) => handled.set(channel, fn) },
    dialog: {
      showSaveDialog: async (...args: unknown[]) => {
        dialogCalls.push(args);
        return chosen;
      },
    },
    app: { getPath: (name: string) => (name === 'documents' ? '/home/student/Documents' : assert.fail(name)) },
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = (request, ...rest) => (request === 'electron' ? fakeElectron : original(request, ...rest));
  const logged: Array<Record<string, unknown>> = [];
  try {
    const { registerIpc } = require('../../electron/ipc') as typeof import('../../electron/ipc');
    const service = new SamsaraService({ engine: {} as Engine, log: (e) => logged.push(e), trustedOrigins: ['app://samsara'] });
    const window = { isDestroyed: () => false, webContents: { id: 7 } } as unknown as Parameters<typeof registerIpc>[1];
    registerIpc(service, window);
    const handler = handled.get(CHANNELS.exportPdf);
    assert.ok(handler, 'exportPdf has its channel');

    const printed: unknown[] = [];
    const sender = (id: number) => ({ id, printToPDF: async (o: unknown) => (printed.push(o), Buffer.from(PDF)) });
    const mainFrame = { url: 'app://samsara/index.html', parent: null };
    const r = await handler({ sender: sender(7), senderFrame: mainFrame }, { title: 'Sleep' });
    assert.deepEqual(r, { ok: true, data: { path: path.join(dir, 'ipc.pdf') } });
    assert.deepEqual(printed, [{ printBackground: true, pageSize: 'A4' }]);
    assert.equal(dialogCalls[0]?.[0], window, 'the dialog belongs to our window');
    const options = dialogCalls[0]?.[1] as { defaultPath: string; filters: Array<{ extensions: string[] }> };
    assert.equal(options.defaultPath, path.join('/home/student/Documents', 'Sleep – feedback.pdf'));
    assert.deepEqual(options.filters[0]?.extensions, ['pdf']);
    assert.ok(fs.existsSync(path.join(dir, 'ipc.pdf')));

    chosen = { canceled: true, filePath: '' };
    assert.deepEqual(await handler({ sender: sender(7), senderFrame: mainFrame }, {}), { ok: true, data: null });

    // Another web contents, or a subframe of ours: refused before anything is printed.
    printed.length = 0;
    const other = (await handler({ sender: sender(8), senderFrame: { ...mainFrame } }, {})) as { ok: boolean };
    const sub = (await handler({ sender: sender(7), senderFrame: { url: 'app://samsara/x.html', parent: mainFrame } }, {})) as { ok: boolean };
    assert.equal(other.ok, false);
    assert.equal(sub.ok, false);
    assert.deepEqual(printed, []);
    // Logged: ids and outcomes, never the title or the path.
    const text = JSON.stringify(logged);
    assert.doesNotMatch(text, /Sleep|ipc\.pdf|Documents/);
    assert.deepEqual(
      logged.filter((e) => e.event === 'request.end').map((e) => e.outcome),
      ['ok', 'cancelled'],
    );
  } finally {
    loader._load = original;
  }
});

test('the page may write to the clipboard (Copy as text) from our top frame only; nothing else', () => {
  assert.equal(allowPermission('clipboard-sanitized-write', 'app://samsara/index.html', true, 'app://samsara'), true);
  assert.equal(allowPermission('clipboard-sanitized-write', 'app://samsara', true, 'app://samsara'), true, 'an origin, as the check handler gets it');
  assert.equal(allowPermission('clipboard-sanitized-write', 'app://samsara/index.html', false, 'app://samsara'), false, 'not a subframe');
  assert.equal(allowPermission('clipboard-sanitized-write', 'https://example.com/', true, 'app://samsara'), false);
  assert.equal(allowPermission('clipboard-sanitized-write', '', true, 'app://samsara'), false);
  for (const p of ['clipboard-read', 'media', 'notifications', 'geolocation', 'openExternal', 'unknown']) {
    assert.equal(allowPermission(p, 'app://samsara/index.html', true, 'app://samsara'), false, p);
  }
});
