// Web contents may not navigate, open windows, attach webviews or get permissions. Written against a
// small interface so a test can check the wiring without Electron.
export interface PreventableEvent {
  preventDefault(): void;
}
export interface HardenableContents {
  on(event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', listener: (e: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
}

export function hardenWebContents(contents: HardenableContents): void {
  // The renderer is one page; links never replace it and never open a window.
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
