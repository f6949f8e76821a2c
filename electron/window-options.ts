// The main window's options. Kept apart from main.ts (no Electron runtime import) so a test can read
// and assert the security settings.
import type { BrowserWindowConstructorOptions } from 'electron';

export function mainWindowOptions(preload: string, o: { isPackaged: boolean }): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 860,
    minWidth: 860,
    minHeight: 560,
    show: false, // shown on ready-to-show, so there is no white flash
    title: 'Samsara',
    backgroundColor: '#f6f4ef',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: true,
      // An installed app has no developer tools: they would show (and let anyone script) the essays.
      devTools: !o.isPackaged,
    },
  };
}
