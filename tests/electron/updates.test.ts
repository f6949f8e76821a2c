// The update policy (electron/updates.ts) with electron-updater's real NsisUpdater — its check, version
// rules, download, sha512 check, signature step and cache — against a local HTTP server serving
// latest.yml and an installer, in plain Node. Electron's parts are TEST STAND-INS
// (tests/harness/updater-stand-ins.ts: its app, its net module, Windows' Authenticode check).
// The provider is electron-updater's "generic" one, read from app-update.yml as in the app (where
// electron-builder writes the GitHub provider there).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { NsisUpdater } from 'electron-updater';
import type { LogEntry } from '../../electron/log';
import { CHECK_INTERVAL_MS, UPDATES_FILE, Updates, parseSaved } from '../../electron/updates';
import { NodeHttpExecutor, signatureStandIn, testAppAdapter } from '../harness/updater-stand-ins';

const CURRENT = '0.1.0';
const INSTALLER = Buffer.from(`MZ not a real installer ${'x'.repeat(64 * 1024)}`);
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('base64');

/** The release server: latest.yml naming `version` (with `sha512`, default the installer's) and the installer. */
async function releaseServer(o: { version: string; sha512?: string }) {
  const requests: string[] = [];
  const file = `Samsara-Setup-${o.version}.exe`;
  const hash = o.sha512 ?? sha512(INSTALLER);
  const yml = [
    `version: ${o.version}`,
    'files:',
    `  - url: ${file}`,
    `    sha512: ${hash}`,
    `    size: ${INSTALLER.length}`,
    `path: ${file}`,
    `sha512: ${hash}`,
    "releaseDate: '2026-12-01T00:00:00.000Z'",
    '',
  ].join('\n');
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(pathname);
    if (pathname === '/latest.yml') res.writeHead(200, { 'content-type': 'text/yaml' }).end(yml);
    else if (pathname === `/${file}`) res.writeHead(200, { 'content-length': INSTALLER.length }).end(INSTALLER);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  return { url, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fresh "installed app": its folders, app-update.yml naming the server, a real NsisUpdater and the policy. */
function installedApp(url: string, o: { signature?: string | null; dir?: string; now?: () => number } = {}) {
  const dir = o.dir ?? mkdtempSync(path.join(os.tmpdir(), 'samsara-updates-'));
  if (!o.dir) dirs.push(dir);
  const configPath = path.join(dir, 'app-update.yml');
  // As electron-builder writes it; publisherName (a signed Windows build) turns the signature check on.
  writeFileSync(configPath, `provider: generic\nurl: ${url}\nupdaterCacheDirName: samsara-updater\npublisherName:\n  - Samsara contributors\n`);
  const app = testAppAdapter({ version: CURRENT, dir, configPath });
  const updater = new NsisUpdater(null, app);
  // Internal fields electron-updater's own tests set: the HTTP layer (Electron's net otherwise) and
  // the platform whose files to read (win32: latest.yml, the installer; full downloads, no blockmaps).
  Object.assign(updater, { httpExecutor: new NodeHttpExecutor(), _testOnlyOptions: { platform: 'win32' } });
  const signature = signatureStandIn(o.signature ?? null);
  updater.verifyUpdateCodeSignature = signature.verify;
  const logs: LogEntry[] = [];
  const updates = new Updates({
    updater,
    file: path.join(dir, 'userData', UPDATES_FILE),
    currentVersion: CURRENT,
    log: (e) => logs.push(e),
    ...(o.now ? { now: o.now } : {}),
  });
  const pending = path.join(dir, 'cache', 'samsara-updater', 'pending');
  const kept = () => (existsSync(pending) ? readdirSync(pending).filter((f) => f.endsWith('.exe')) : []);
  return { dir, app, updater, updates, signature, logs, kept, file: path.join(dir, 'userData', UPDATES_FILE) };
}

test('a newer version is found, downloaded in the background (sha512 checked) and installed on quit', async () => {
  const server = await releaseServer({ version: '0.2.0' });
  try {
    const a = installedApp(server.url);
    assert.deepEqual(await a.updates.get(), {
      auto: true,
      state: 'idle',
      currentVersion: CURRENT,
      message: 'Samsara looks for a new version when it starts, at most once a day.',
    });
    await a.updates.start();
    const s = await a.updates.get();
    assert.deepEqual(s, {
      auto: true,
      state: 'ready',
      currentVersion: CURRENT,
      version: '0.2.0',
      message: 'Version 0.2.0 will be installed when you quit Samsara.',
    });
    // The policy set on the real updater.
    assert.equal(a.updater.autoDownload, true);
    assert.equal(a.updater.autoInstallOnAppQuit, true);
    assert.equal(a.updater.allowDowngrade, false);
    assert.equal(a.updater.allowPrerelease, false);
    assert.deepEqual(server.requests, ['/latest.yml', '/Samsara-Setup-0.2.0.exe']);
    assert.deepEqual(a.kept(), ['Samsara-Setup-0.2.0.exe']);
    const downloaded = readFileSync(path.join(a.dir, 'cache', 'samsara-updater', 'pending', 'Samsara-Setup-0.2.0.exe'));
    assert.equal(sha512(downloaded), sha512(INSTALLER));
    assert.equal(a.signature.calls.length, 1, 'the signature was checked before the file was kept');
    // Install on quit: electron-updater registered its quit handler (not run here: it starts the installer).
    assert.equal(a.app.quitHandlers.length, 1);
    assert.deepEqual(
      a.logs.map((e) => (e.event === 'update' ? `${e.state} ${e.version ?? ''}`.trim() : e.event)),
      ['checking', 'downloading 0.2.0', 'ready 0.2.0'],
    );
    // The log has states and versions, never an address or a path.
    assert.doesNotMatch(JSON.stringify(a.logs), /127\.0\.0\.1|\/tmp|samsara-updates-/);
    a.updates.stop();
  } finally {
    await server.close();
  }
});

test('the same version and an older one are not downloaded (no downgrade)', async () => {
  for (const version of [CURRENT, '0.0.9']) {
    const server = await releaseServer({ version });
    try {
      const a = installedApp(server.url);
      await a.updates.start();
      const s = await a.updates.get();
      assert.equal(s.state, 'up-to-date', version);
      assert.equal(s.message, `Samsara ${CURRENT} is the latest version.`);
      assert.equal(s.version, undefined);
      assert.deepEqual(server.requests, ['/latest.yml'], `${version}: only latest.yml was read`);
      assert.deepEqual(a.kept(), []);
      assert.equal(a.app.quitHandlers.length, 0, 'nothing to install on quit');
      a.updates.stop();
    } finally {
      await server.close();
    }
  }
});

/** A refused download: the state says why, the file was fetched and removed, nothing installs on quit. */
async function assertRefused(a: ReturnType<typeof installedApp>, requests: string[], message: string, code: string) {
  await a.updates.start();
  const s = await a.updates.get();
  assert.equal(s.state, 'error');
  assert.equal(s.version, '0.2.0');
  assert.equal(s.message, message);
  assert.ok(requests.includes('/Samsara-Setup-0.2.0.exe'), 'it was downloaded');
  assert.deepEqual(a.kept(), [], 'and removed');
  assert.equal(a.app.quitHandlers.length, 0, 'nothing to install on quit');
  assert.ok(!a.logs.some((e) => e.event === 'update' && e.state === 'ready'));
  assert.ok(a.logs.some((e) => e.event === 'update' && e.state === 'error' && e.code === code));
  a.updates.stop();
}

test('a download that does not match latest.yml\'s sha512 is refused and not kept', async () => {
  const server = await releaseServer({ version: '0.2.0', sha512: sha512(Buffer.from('another file')) });
  try {
    const a = installedApp(server.url);
    await assertRefused(a, server.requests, 'Version 0.2.0 was not installed: the download did not match its checksum. Samsara will try again later.', 'ERR_CHECKSUM_MISMATCH');
  } finally {
    await server.close();
  }
});

test('an installer not signed by the publisher is refused and not kept', async () => {
  const server = await releaseServer({ version: '0.2.0' });
  try {
    // What the real check answers for an installer signed by someone else (or not at all).
    const a = installedApp(server.url, { signature: 'publisherNames: Samsara contributors, raw info: {"Status":"NotSigned"}' });
    await assertRefused(a, server.requests, 'Version 0.2.0 was not installed: it is not signed by Samsara’s publisher. Samsara will try again later.', 'ERR_UPDATER_INVALID_SIGNATURE');
    assert.equal(a.signature.calls.length, 1);
  } finally {
    await server.close();
  }
});

test('with automatic updates off no request reaches the server, and the setting is kept', async () => {
  const server = await releaseServer({ version: '0.2.0' });
  try {
    const a = installedApp(server.url);
    const off = await a.updates.set({ auto: false });
    assert.equal(off.auto, false);
    assert.equal(off.state, 'off');
    assert.equal(off.message, 'Automatic updates are off: Samsara does not look for new versions.');
    assert.equal(a.updater.autoInstallOnAppQuit, false, 'nothing installs on quit either');
    await a.updates.start();
    assert.deepEqual(JSON.parse(readFileSync(a.file, 'utf8')), { auto: false });

    // The next start reads the setting: still no request.
    const next = installedApp(server.url, { dir: a.dir });
    await next.updates.start();
    assert.deepEqual(await next.updates.get(), {
      auto: false,
      state: 'off',
      currentVersion: CURRENT,
      message: 'Automatic updates are off: Samsara does not look for new versions.',
    });
    assert.deepEqual(server.requests, []);

    // On again: checks at once (no check was made yet).
    await next.updates.set({ auto: true });
    await next.updates.start();
    assert.equal((await next.updates.get()).state, 'ready');
    next.updates.stop();
  } finally {
    await server.close();
  }
});

test('at most one check a day: a second start within 24 h asks nothing, after 24 h it checks again', async () => {
  const server = await releaseServer({ version: CURRENT });
  try {
    let clock = Date.parse('2026-12-01T09:00:00Z');
    const now = () => clock;
    const first = installedApp(server.url, { now });
    await first.updates.start();
    first.updates.stop();
    assert.deepEqual(server.requests, ['/latest.yml']);
    assert.deepEqual(JSON.parse(readFileSync(first.file, 'utf8')), { auto: true, lastCheck: clock });

    clock += CHECK_INTERVAL_MS - 60_000;
    const second = installedApp(server.url, { dir: first.dir, now });
    await second.updates.start();
    second.updates.stop();
    assert.deepEqual(server.requests, ['/latest.yml'], 'no request within 24 h');
    assert.equal((await second.updates.get()).state, 'idle');

    clock += 60_000;
    const third = installedApp(server.url, { dir: first.dir, now });
    await third.updates.start();
    third.updates.stop();
    assert.deepEqual(server.requests, ['/latest.yml', '/latest.yml'], 'checked again after 24 h');
    assert.equal((await third.updates.get()).state, 'up-to-date');
  } finally {
    await server.close();
  }
});

test('updates.json with garbage in it gives the defaults, without a crash', async () => {
  assert.deepEqual(parseSaved('not json {'), { auto: true });
  assert.deepEqual(parseSaved('null'), { auto: true });
  assert.deepEqual(parseSaved('[1,2]'), { auto: true });
  assert.deepEqual(parseSaved('{"auto":"no","lastCheck":"yesterday"}'), { auto: true });
  assert.deepEqual(parseSaved('{"auto":false,"lastCheck":1e400}'), { auto: false });
  const server = await releaseServer({ version: CURRENT });
  try {
    const a = installedApp(server.url);
    const userData = path.dirname(a.file);
    rmSync(userData, { recursive: true, force: true });
    mkdirSync(userData, { recursive: true });
    writeFileSync(a.file, '\u0000\u0001{{{ garbage');
    await a.updates.start();
    assert.equal((await a.updates.get()).state, 'up-to-date');
    assert.deepEqual(server.requests, ['/latest.yml']);
    assert.equal(parseSaved(readFileSync(a.file, 'utf8')).auto, true, 'rewritten whole');
    a.updates.stop();
  } finally {
    await server.close();
  }
});

test('outside the installed app there is no updater: "unavailable", in plain words, and the setting is still kept', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'samsara-updates-'));
  dirs.push(dir);
  const updates = new Updates({ updater: null, file: path.join(dir, UPDATES_FILE), currentVersion: CURRENT, log: () => undefined });
  await updates.start();
  assert.deepEqual(await updates.get(), {
    auto: true,
    state: 'unavailable',
    currentVersion: CURRENT,
    message: 'Updates are checked in the installed app only.',
  });
  assert.equal((await updates.set({ auto: false })).state, 'unavailable');
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, UPDATES_FILE), 'utf8')), { auto: false });
});
