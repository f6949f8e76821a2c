// Shared pieces for the main-process service suites.
import type { Sender } from '../../electron/service';

export const APP_ORIGIN = 'app://samsara';
export const APP: Sender = { id: 1, url: `${APP_ORIGIN}/index.html`, isMainFrame: true };

/** A sentence that must never show up in any log line. */
export const MARKER = 'The violet heron audits the county library at midnight.';

/** An envelope as the preload sends it. */
export function envelope(ticket: string, payload: unknown, stream = false) {
  return { ticket, payload, stream };
}
