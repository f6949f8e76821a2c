// The web permissions the page gets: none, except writing text to the clipboard ("Copy as text" uses
// navigator.clipboard.writeText, which Electron asks about as 'clipboard-sanitized-write'), and that only
// for the app's own top frame. Plain functions, so they are tested under Node.

/** The one permission granted: writing to the clipboard (Chromium sanitizes what is written). */
export const CLIPBOARD_WRITE = 'clipboard-sanitized-write';

/** `url`'s origin as `scheme://host` ('' when it is not a URL); not URL.origin, which is "null" for app://. */
function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '';
  }
}

/**
 * Whether a permission request (or check) is granted: only CLIPBOARD_WRITE, only from `appOrigin`'s top
 * frame. `url` is the requesting URL or origin Electron gives the handler.
 */
export function allowPermission(permission: string, url: string, isMainFrame: boolean, appOrigin: string): boolean {
  return permission === CLIPBOARD_WRITE && isMainFrame && originOf(url) === appOrigin;
}
