// One file download into the models folder: <dir>/<file>.part, resumed with HTTP Range (after a dropped
// connection, with a bounded number of retries and backoff, and after a restart: a new call finds the
// .part), checked against the free disk space first, verified (size, sha256, then the caller's check)
// and only then renamed to <dir>/<file>. So nothing partial ever has a model's name.
//
// Cancelling (the AbortSignal) stops at once and removes the .part. A process that dies or quits keeps
// its .part, and the next download of the same file continues from it.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, statfs, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { DownloadProgress } from '../../preload/models';
import { formatBytes, formatTwo, ModelError, modelError } from './errors';

export interface DownloadTarget {
  url: string;
  /** The final file name in `dir` (a bare .gguf name, checked by the caller). */
  file: string;
  /** The exact size, or 0 when unknown. */
  sizeBytes: number;
  /** The expected sha256, or null when unknown (then `sizeBytes` is required by the caller). */
  sha256: string | null;
  /** For messages. */
  name: string;
}

export type { DownloadProgress } from '../../preload/models';

export interface DownloadIo {
  fetch: typeof fetch;
  /** fs.statfs: `bavail * bsize` is the space this user may still write. */
  statfs: (dir: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;
}

export interface DownloadOptions {
  dir: string;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  /** Retries in a row (without progress between them) after a dropped connection, a stall or a 5xx/408/429 (default 5). */
  retries?: number;
  /** The wait before retry n (1-based); default 0.5 s, 1 s, 2 s … at most 15 s. */
  backoffMs?: (attempt: number) => number;
  /** No bytes for this long counts as a dropped connection (default 30 s). */
  stallMs?: number;
  /** At most one progress event per interval (default 200 ms); the last one is always sent. */
  progressIntervalMs?: number;
  /** Called on the complete, hash-checked .part before the rename; throw to refuse the file. */
  verify?: (partFile: string) => Promise<void>;
  io?: Partial<DownloadIo>;
}

export interface Downloaded {
  path: string;
  sha256: string;
  sizeBytes: number;
  /** The byte offset the first request started from (> 0 when a .part from before was resumed). */
  resumedFrom: number;
  /** Requests made (1 when nothing went wrong). */
  requests: number;
}

/** Beside the file itself: the state file and the file system's own needs. */
const SPACE_MARGIN = 32 * 1024 * 1024;

export const partPath = (dir: string, file: string) => path.join(dir, `${file}.part`);

/** A failure the loop may retry (the connection, a stall, a 5xx). */
class Retryable extends Error {}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Free space for this user in `dir`, in bytes. */
export async function freeBytes(dir: string, io: Pick<DownloadIo, 'statfs'> = { statfs }): Promise<number> {
  const s = await io.statfs(dir);
  return Number(s.bavail) * Number(s.bsize);
}

export async function checkSpace(dir: string, need: number, what: string, io: Pick<DownloadIo, 'statfs'> = { statfs }): Promise<void> {
  let free: number;
  try {
    free = await freeBytes(dir, io);
  } catch {
    return; // a file system that can't say: the write itself will fail with ENOSPC if it must
  }
  if (need + SPACE_MARGIN > free) {
    throw modelError(
      'disk-full',
      `Not enough disk space for ${what}: it needs ${formatBytes(need)} more and ${formatBytes(free)} is free in ${dir}.`,
    );
  }
}

/** The reason in plain words for a failed fetch (Node's fetch hides it in `cause`). */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was dropped';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the server name could not be found (are you offline?)';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'the connection timed out';
  }
  const m = (e as Error)?.message ?? String(e);
  return m === 'terminated' || /other side closed/.test(cause?.message ?? '') ? 'the connection was dropped' : m;
}

function diskError(e: unknown, dir: string): ModelError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return modelError('disk-full', `The disk is full: the download could not be written to ${dir}.`);
  return modelError('io', `The download could not be written to ${dir} (${code ?? (e as Error)?.message}).`);
}

/** Speed over the last few seconds, for a steady bytes/s and ETA. */
class Meter {
  private samples: { t: number; bytes: number }[] = [];
  constructor(private readonly windowMs = 3000) {}
  add(bytes: number, t = performance.now()): number {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > this.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const dt = (t - first.t) / 1000;
    return dt > 0.05 ? Math.max(0, (bytes - first.bytes) / dt) : 0;
  }
  reset(): void {
    this.samples = [];
  }
}

export async function downloadFile(t: DownloadTarget, o: DownloadOptions): Promise<Downloaded> {
  const io: DownloadIo = { fetch: globalThis.fetch, statfs, ...o.io };
  const retries = o.retries ?? 5;
  const backoff = o.backoffMs ?? ((n: number) => Math.min(500 * 2 ** (n - 1), 15_000));
  const stallMs = o.stallMs ?? 30_000;
  const interval = o.progressIntervalMs ?? 200;
  const part = partPath(o.dir, t.file);
  const dest = path.join(o.dir, t.file);
  const host = new URL(t.url).host;
  const cancelled = () => modelError('cancelled', `The download of ${t.name} was cancelled.`);
  if (o.signal?.aborted) throw cancelled();

  try {
    await mkdir(o.dir, { recursive: true });
  } catch (e) {
    throw diskError(e, o.dir);
  }

  let hash: Hash = createHash('sha256');
  let offset = 0;
  // A .part from before (a dropped connection in an earlier run, or an app restart): hash what is
  // there and continue after it. One that is already longer than the file can't be ours: start over.
  const existing = await stat(part).catch(() => null);
  if (existing?.isFile() && existing.size > 0 && !(t.sizeBytes > 0 && existing.size > t.sizeBytes)) {
    for await (const chunk of createReadStream(part)) {
      if (o.signal?.aborted) {
        await rm(part, { force: true });
        throw cancelled();
      }
      hash.update(chunk as Buffer);
    }
    offset = existing.size;
  } else if (existing) {
    await rm(part, { force: true });
  }
  const resumedFrom = offset;
  let total: number | null = t.sizeBytes > 0 ? t.sizeBytes : null;
  let spaceChecked = false;
  if (total !== null) {
    await checkSpace(o.dir, total - offset, t.name, io);
    spaceChecked = true;
  }

  const meter = new Meter();
  let lastEmit = -Infinity;
  const emit = (force = false) => {
    const now = performance.now();
    if (!force && now - lastEmit < interval) return;
    lastEmit = now;
    const bytesPerSecond = meter.add(offset, now);
    const etaSeconds = total !== null && bytesPerSecond > 0 ? Math.max(0, (total - offset) / bytesPerSecond) : null;
    try {
      o.onProgress?.({ bytes: offset, total, bytesPerSecond, etaSeconds });
    } catch {
      // a listener's failure is not the download's
    }
  };

  const restart = async () => {
    await truncate(part, 0).catch(() => undefined);
    hash = createHash('sha256');
    offset = 0;
    meter.reset();
  };

  /** One request from `offset` to the end; returns when the body is written, throws Retryable or a ModelError. */
  const request = async (): Promise<void> => {
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort(o.signal?.reason);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    let stalled = false;
    let stallTimer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        stalled = true;
        ctrl.abort(new Error('stalled'));
      }, stallMs);
    };
    let fh: FileHandle | undefined;
    try {
      arm();
      let res: Response;
      try {
        res = await io.fetch(t.url, {
          headers: offset > 0 ? { Range: `bytes=${offset}-`, 'Accept-Encoding': 'identity' } : { 'Accept-Encoding': 'identity' },
          signal: ctrl.signal,
          redirect: 'follow',
        });
      } catch (e) {
        if (o.signal?.aborted) throw cancelled();
        throw new Retryable(stalled ? `the server did not answer for ${stallMs / 1000} s` : networkReason(e));
      }
      if (res.status === 416 && offset > 0) {
        // Range past the end: the .part may already be whole; else it's not this file's start.
        await res.body?.cancel().catch(() => undefined);
        const whole = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
        if (whole && Number(whole[1]) === offset) {
          total ??= offset;
          return;
        }
        await restart();
        throw new Retryable('the server refused to resume the download');
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        const retry = res.status >= 500 || res.status === 408 || res.status === 429;
        const msg = `${host} answered HTTP ${res.status}${res.status === 404 ? ' (not found)' : ''} for ${t.name}.`;
        if (retry) throw new Retryable(msg);
        throw modelError('http-status', `The download of ${t.name} failed: ${msg}`);
      }
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (offset > 0 && !(res.status === 206 && range && Number(range[1]) === offset)) {
        // The server ignored Range (200, or another start): the body is the whole file from 0.
        await restart();
      }
      const length = Number(res.headers.get('content-length'));
      const served = range && range[3] !== '*' ? Number(range[3]) : Number.isFinite(length) && res.headers.has('content-length') ? offset + length : null;
      if (served !== null) {
        if (total !== null && served !== total) {
          await res.body?.cancel().catch(() => undefined);
          await rm(part, { force: true });
          const [got, want] = formatTwo(served, total);
          throw modelError('size-mismatch', `The server's file for ${t.name} is ${got}, not the expected ${want}: it is not the same file, so it was not downloaded.`);
        }
        total = served;
      }
      if (!spaceChecked && total !== null) {
        await res.body?.cancel().catch(() => undefined);
        await checkSpace(o.dir, total - offset, t.name, io);
        spaceChecked = true;
        throw new Retryable('');
      }
      try {
        fh = await open(part, 'a');
      } catch (e) {
        throw diskError(e, o.dir);
      }
      emit(true);
      if (!res.body) throw new Retryable('the server sent no data');
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          arm();
          try {
            await fh.write(chunk);
          } catch (e) {
            throw diskError(e, o.dir);
          }
          hash.update(chunk);
          offset += chunk.byteLength;
          if (total !== null && offset > total) {
            await rm(part, { force: true });
            throw modelError('size-mismatch', `The server sent more than the expected ${formatBytes(total)} for ${t.name}; it was not kept.`);
          }
          emit();
        }
      } catch (e) {
        if (e instanceof ModelError) throw e;
        if (o.signal?.aborted) throw cancelled();
        throw new Retryable(stalled ? `no data came for ${stallMs / 1000} s` : networkReason(e));
      }
      if (total !== null && offset < total) throw new Retryable('the connection ended early');
    } finally {
      clearTimeout(stallTimer);
      o.signal?.removeEventListener('abort', onAbort);
      await fh?.close().catch(() => undefined);
    }
  };

  let requests = 0;
  let failures = 0;
  try {
    for (;;) {
      requests++;
      const from = offset;
      try {
        await request();
        break;
      } catch (e) {
        if (!(e instanceof Retryable)) throw e;
        if (e.message === '') continue; // the space check after learning the size: go on at once
        // The retries bound failures in a row: a request that got further than the last one starts
        // the count again, so a long download over a flaky line gets through.
        if (offset > from) failures = 0;
        failures++;
        if (failures > retries) {
          throw modelError('network', `The download of ${t.name} from ${host} failed after ${failures} attempts: ${e.message}.`);
        }
        await sleep(backoff(failures), o.signal).catch(() => {
          throw cancelled();
        });
      }
    }
    emit(true);
    const sha256 = hash.digest('hex');
    if (t.sizeBytes > 0 && offset !== t.sizeBytes) {
      const [got, want] = formatTwo(offset, t.sizeBytes);
      throw modelError('size-mismatch', `The download of ${t.name} is ${got}, not the expected ${want}; it was not kept.`);
    }
    if (t.sha256 !== null && sha256 !== t.sha256) {
      throw modelError('hash-mismatch', `The download of ${t.name} is damaged or not the expected file (its sha256 does not match); it was not kept.`);
    }
    await o.verify?.(part);
    try {
      await rename(part, dest);
    } catch (e) {
      throw diskError(e, o.dir);
    }
    return { path: dest, sha256, sizeBytes: offset, resumedFrom, requests };
  } catch (e) {
    const err = e instanceof ModelError ? e : o.signal?.aborted ? cancelled() : diskError(e, o.dir);
    // Keep the .part only where a later call can resume it: a network failure or a full disk.
    if (err.reason !== 'network' && err.reason !== 'disk-full') await rm(part, { force: true }).catch(() => undefined);
    throw err;
  }
}
