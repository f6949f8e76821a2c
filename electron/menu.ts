// The application menu. Without one Electron installs its default menu, whose View entries reload the
// page (Ctrl+R) and open the developer tools; this one keeps only what a student needs: text editing
// shortcuts (undo, cut, paste…), zoom, quit and the window. Reload and devtools exist in development only.
import type { MenuItemConstructorOptions } from 'electron';

export function menuTemplate(i: { isPackaged: boolean; platform: NodeJS.Platform; appName: string }): MenuItemConstructorOptions[] {
  const mac = i.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: i.appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  } else {
    template.push({ label: '&File', submenu: [{ role: 'quit' }] });
  }
  // Roles, not custom clicks: each role brings the platform's accelerator (Ctrl/Cmd+Z, +X, +C, +V, +A).
  template.push({
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  });
  template.push({
    label: '&View',
    submenu: [
      ...(i.isPackaged
        ? []
        : ([{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as MenuItemConstructorOptions[])),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });
  template.push({
    label: '&Window',
    submenu: mac ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }, { role: 'close' }] : [{ role: 'minimize' }, { role: 'close' }],
  });
  return template;
}
