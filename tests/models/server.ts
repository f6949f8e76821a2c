// A file server on 127.0.0.1 for the model manager's download tests: real HTTP, real Range requests,
// and faults chosen by the first path segment, `/<mode>/<name>`, so one server serves every case:
//
//   ok              200, or 206 for `Range: bytes=N-` (416 past the end)
//   drop-F          close the connection after byte F·size of the file (F = 0.4: at 40 %); a request
//                   starting after that point is served whole, so a client that resumes gets through
//   dropfirst-F     the same, only on the first request for this path
//   no-range        ignore Range: always 200 with the whole file (a server that can't resume)
//   slow-B          send at most B bytes per second
//   hangfirst-N     first request: send N bytes, then nothing (the connection stays open)
//   status-C        answer HTTP C with no file (404, 500 …)
//   flaky-N         the first N requests for this path get 503, then ok
//
// Modes combine with "+": `/dropfirst-0.4+no-range/model.gguf`. Every request is recorded (mode,
// name, Range header, status, bytes sent) for the tests to assert on.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Served {
  mode: string;
  name: string;
  range: string | null;
  status: number;
  /** Bytes of the body written before the response ended or was cut. */
  sent: number;
}

export interface FileServer {
  /** http://127.0.0.1:<port>/<mode>/<name> */
  url(mode: string, name: string): string;
  requests: Served[];
  /** Requests for one name (all modes). */
  for(name: string): Served[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Serves `files` (name → path on disk). */
export async function startFileServer(files: Record<string, string>): Promise<FileServer> {
  const requests: Served[] = [];
  const seen = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();

  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const [, modeSeg = '', name = ''] = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).split('/');
    const modes = modeSeg.split('+');
    const key = `${modeSeg}/${name}`;
    const nth = (seen.get(key) ?? 0) + 1;
    seen.set(key, nth);
    const record: Served = { mode: modeSeg, name, range: req.headers.range ?? null, status: 0, sent: 0 };
    requests.push(record);
    const param = (prefix: string) => {
      const m = modes.find((x) => x.startsWith(`${prefix}-`));
      return m === undefined ? undefined : Number(m.slice(prefix.length + 1));
    };
    const reply = (status: number, headers: http.OutgoingHttpHeaders = {}) => {
      record.status = status;
      res.writeHead(status, headers);
    };

    const status = param('status');
    if (status !== undefined) {
      reply(status, { 'Content-Type': 'text/plain' });
      res.end(`status ${status}\n`);
      return;
    }
    const flaky = param('flaky');
    if (flaky !== undefined && nth <= flaky) {
      reply(503, { 'Content-Type': 'text/plain' });
      res.end('try later\n');
      return;
    }
    const file = files[name];
    if (!file) {
      reply(404, { 'Content-Type': 'text/plain' });
      res.end('no such file\n');
      return;
    }
    const size = (await stat(file)).size;
    let start = 0;
    let partial = false;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !modes.includes('no-range')) {
      start = Number(range[1]);
      if (start >= size) {
        reply(416, { 'Content-Range': `bytes */${size}` });
        res.end();
        return;
      }
      partial = true;
    }
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(size - start),
      'Accept-Ranges': 'bytes',
      ...(partial ? { 'Content-Range': `bytes ${start}-${size - 1}/${size}` } : {}),
    };
    reply(partial ? 206 : 200, headers);

    const dropAt = param('drop') ?? (nth === 1 ? param('dropfirst') : undefined);
    const cut = dropAt !== undefined ? Math.floor(dropAt * size) : undefined;
    const rate = param('slow');
    const hang = nth === 1 ? param('hangfirst') : undefined;
    if (cut === undefined && rate === undefined && hang === undefined) {
      const stream = createReadStream(file, { start });
      stream.on('data', (c) => (record.sent += c.length));
      stream.pipe(res);
      return;
    }

    // Chunk by chunk: throttled, cut or hung.
    const end = cut !== undefined && start < cut ? cut : hang !== undefined ? Math.min(size, start + hang) : size;
    const fh = await open(file, 'r');
    try {
      const chunk = Buffer.alloc(64 * 1024);
      let pos = start;
      const began = performance.now();
      while (pos < end && !res.destroyed) {
        const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, end - pos), pos);
        if (bytesRead === 0) break;
        await new Promise<void>((resolve, reject) => res.write(chunk.subarray(0, bytesRead), (e) => (e ? reject(e) : resolve())));
        pos += bytesRead;
        record.sent += bytesRead;
        if (rate !== undefined) {
          const due = ((pos - start) / rate) * 1000 - (performance.now() - began);
          if (due > 0) await sleep(due);
        }
      }
    } finally {
      await fh.close();
    }
    if (res.destroyed) return;
    if (end < size && hang !== undefined) return; // leave it open and silent; close() ends it
    if (end < size) {
      res.socket?.destroy(); // the drop: the client sees the body end early
      return;
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (mode, name) => `http://127.0.0.1:${port}/${mode}/${encodeURIComponent(name)}`,
    requests,
    for: (name) => requests.filter((r) => r.name === name),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (a server opened and closed): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
