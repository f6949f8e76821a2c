// The decisions main.ts makes before it creates anything (environment, debug switches, the
// single-instance lock), the paths it computes, the window's devTools and the application menu: pure
// functions, checked without Electron. tests/electron/main-startup.test.ts checks main.ts wires them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from '../../electron/menu';
import { defaultModelFile, resolveModelPath, resolveStorePath } from '../../electron/paths';
import { debugSwitches, decideStart, scrubEnv } from '../../electron/startup';
import { mainWindowOptions } from '../../electron/window-options';

const ROOT = path.resolve(__dirname, '..', '..');

test('a packaged app drops every SAMSARA_* variable; development keeps them', () => {
  const env = () => ({
    SAMSARA_NATIVE_PATH: '/tmp/evil.node',
    SAMSARA_MODEL: '/tmp/m.gguf',
    SAMSARA_STORE: '/tmp/s.db',
    SAMSARA_DIALECT: 'british',
    SAMSARA_LOG: 'debug',
    samsara_isa: 'scalar', // Windows names are case-insensitive
    PATH: '/usr/bin',
    HOME: '/home/u',
  });
  const dev = env();
  assert.deepEqual(scrubEnv(dev, false), []);
  assert.deepEqual(dev, env());
  const packaged: NodeJS.ProcessEnv = env();
  assert.deepEqual(scrubEnv(packaged, true).sort(), ['SAMSARA_DIALECT', 'SAMSARA_LOG', 'SAMSARA_MODEL', 'SAMSARA_NATIVE_PATH', 'SAMSARA_STORE', 'samsara_isa']);
  assert.deepEqual(packaged, { PATH: '/usr/bin', HOME: '/home/u' });
});

test('model and store paths: explicit locations when packaged, overrides in development', () => {
  const at = { isPackaged: false, resourcesPath: '/opt/S/resources', appPath: '/src/s' };
  const env = { SAMSARA_MODEL: 'rel/m.gguf', SAMSARA_STORE: '/data/h.db' };
  const file = () => 'Default.gguf';
  assert.equal(resolveModelPath({ ...at, env }, file), path.resolve('rel/m.gguf'));
  assert.equal(resolveModelPath({ ...at, env, isPackaged: true }, file), path.join('/opt/S/resources/models/Default.gguf'));
  assert.equal(resolveStorePath({ ...at, env }, '/home/u/.config/Samsara'), '/data/h.db');
  assert.equal(resolveStorePath({ ...at, env: {} }, '/home/u/.config/Samsara'), path.join('/home/u/.config/Samsara/samsara.db'));
  assert.equal(resolveStorePath({ ...at, env, isPackaged: true }, '/home/u/.config/Samsara'), path.join('/home/u/.config/Samsara/samsara.db'));
  assert.equal(resolveStorePath({ ...at, env: { SAMSARA_STORE: ' ' } }, '/u'), path.join('/u/samsara.db'));
});

test('the default model file comes from models/manifest.json', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8')) as {
    default: string;
    models: Array<{ id: string; file: string }>;
  };
  const expected = manifest.models.find((m) => m.id === manifest.default)?.file;
  assert.equal(defaultModelFile(path.join(ROOT, 'models', 'manifest.json')), expected);
  // The repository's manifest is what resolveModelPath reads by default.
  assert.equal(resolveModelPath({ env: {}, isPackaged: false, resourcesPath: '', appPath: ROOT }), path.join(ROOT, 'models', expected ?? ''));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsara-manifest-'));
  try {
    fs.mkdirSync(path.join(dir, 'models'));
    const write = (m: unknown) => {
      const f = path.join(dir, 'models', 'manifest.json');
      fs.writeFileSync(f, JSON.stringify(m));
      return f;
    };
    // Another default: the file name follows the manifest, not a constant.
    assert.equal(defaultModelFile(write({ default: 'b', models: [{ id: 'a', file: 'a.gguf' }, { id: 'b', file: 'b.gguf' }] })), 'b.gguf');
    // A packaged app reads the manifest in resources/models.
    assert.equal(resolveModelPath({ env: {}, isPackaged: true, resourcesPath: dir, appPath: '/nowhere' }), path.join(dir, 'models', 'b.gguf'));
    for (const bad of [
      { default: 'x', models: [{ id: 'a', file: 'a.gguf' }] },
      { default: 'a', models: [{ id: 'a', file: '../../etc/passwd.gguf' }] },
      { default: 'a', models: [{ id: 'a', file: 'a.bin' }] },
      { models: [{ id: 'a', file: 'a.gguf' }] },
      [],
    ]) {
      assert.throws(() => defaultModelFile(write(bad)), /names no default model file/, JSON.stringify(bad));
    }
    assert.throws(() => defaultModelFile(path.join(dir, 'missing.json')), /could not be read/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a packaged app refuses debugging switches; development allows them', () => {
  const exe = '/opt/Samsara/samsara';
  for (const arg of ['--remote-debugging-port=9222', '--remote-debugging-pipe', '--inspect', '--inspect=9229', '--inspect-brk', '-remote-debugging-port=1', '--Remote-Debugging-Port=1']) {
    assert.equal(debugSwitches([exe, arg], 'linux').length, 1, arg);
    const d = decideStart({ isPackaged: true, argv: [exe, arg], platform: 'linux', requestLock: () => assert.fail('no lock taken for a refused start') });
    assert.equal(d.start, false, arg);
    assert.ok(!d.start && d.exitCode === 1 && /refusing to start with --[a-z-]+/.test(d.message ?? ''), arg);
    assert.deepEqual(decideStart({ isPackaged: false, argv: [exe, arg], platform: 'linux', requestLock: () => true }), { start: true }, `development allows ${arg}`);
  }
  assert.deepEqual(debugSwitches([exe, '/remote-debugging-port=9222'], 'win32'), ['remote-debugging-port']);
  assert.deepEqual(debugSwitches([exe, '/remote-debugging-port=9222'], 'darwin'), [], 'a path on macOS');
  assert.deepEqual(debugSwitches(['--inspect'], 'linux'), [], 'argv[0] is the executable');
  assert.deepEqual(debugSwitches([exe, '--', '--inspect'], 'linux'), [], 'after -- it is not a switch');
  assert.deepEqual(debugSwitches([exe, '--inspector-notes', 'essay.txt', '--lang=en'], 'linux'), []);
  assert.deepEqual(decideStart({ isPackaged: true, argv: [exe, 'essay.txt'], platform: 'linux', requestLock: () => true }), { start: true });
});

test('the second instance exits at once with code 0', () => {
  for (const isPackaged of [true, false]) {
    let asked = 0;
    const d = decideStart({ isPackaged, argv: ['samsara'], platform: 'linux', requestLock: () => (asked++, false) });
    assert.deepEqual(d, { start: false, exitCode: 0 });
    assert.equal(asked, 1);
  }
});

test('the packaged window has no developer tools', () => {
  assert.equal(mainWindowOptions('/p.js', { isPackaged: true }).webPreferences?.devTools, false);
  assert.equal(mainWindowOptions('/p.js', { isPackaged: false }).webPreferences?.devTools, true);
});

/** Every role in a menu template, depth first. */
function roles(items: MenuItemConstructorOptions[]): string[] {
  return items.flatMap((i) => [...(i.role ? [i.role] : []), ...(Array.isArray(i.submenu) ? roles(i.submenu) : [])]);
}

test('the application menu: editing shortcuts and quit everywhere, reload and devtools in development only', () => {
  for (const platform of ['darwin', 'win32', 'linux'] as const) {
    const packaged = menuTemplate({ isPackaged: true, platform, appName: 'Samsara' });
    const r = roles(packaged);
    for (const need of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'quit', 'minimize', 'close']) {
      assert.ok(r.includes(need), `${platform}: ${need}`);
    }
    for (const never of ['reload', 'forceReload', 'toggleDevTools']) assert.ok(!r.includes(never), `${platform} packaged: no ${never}`);
    assert.ok(!packaged.some((i) => i.click || i.accelerator), 'roles only, no custom actions');
    const dev = roles(menuTemplate({ isPackaged: false, platform, appName: 'Samsara' }));
    for (const need of ['reload', 'toggleDevTools']) assert.ok(dev.includes(need), `${platform} development: ${need}`);
  }
  // macOS: the first menu is the app's, with Quit in it.
  const [first] = menuTemplate({ isPackaged: true, platform: 'darwin', appName: 'Samsara' });
  assert.equal(first?.label, 'Samsara');
  assert.ok(roles([first ?? {}]).includes('quit'));
  assert.deepEqual(
    menuTemplate({ isPackaged: true, platform: 'win32', appName: 'Samsara' }).map((m) => m.label),
    ['&File', '&Edit', '&View', '&Window'],
  );
});
