// The renderer's Content-Security-Policy and the static file server that sends it. The app serves the
// built renderer through its app:// protocol and the test harness over loopback HTTP, both through
// serveStatic(), so the page runs under the same policy in both.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Only the page's own scripts and styles; no inline script, no eval, no remote origin, no plugins,
 * no framing. `connectSelf` lets the test harness's window.api reach its loopback origin.
 */
export function contentSecurityPolicy(options: { connectSelf: boolean }): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${options.connectSelf ? "'self'" : "'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

export interface StaticResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** A file under `root` for a URL path ('/' is index.html); nothing outside `root`, no directory listing. */
export async function serveStatic(root: string, urlPath: string, csp: string): Promise<StaticResponse> {
  const headers = {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  };
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath === '/' ? '/index.html' : urlPath);
  } catch {
    return { status: 400, headers, body: 'bad path' };
  }
  const file = path.resolve(root, `.${rel}`);
  const type = TYPES[path.extname(file)];
  if (!file.startsWith(path.resolve(root) + path.sep) || !type) return { status: 404, headers, body: 'not found' };
  try {
    return { status: 200, headers: { ...headers, 'Content-Type': type }, body: await readFile(file) };
  } catch {
    return { status: 404, headers, body: 'not found' };
  }
}
