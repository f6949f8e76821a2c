// The model manager's errors: one of the app's codes (native/index.d.ts ErrorCode, so the service and the
// renderer handle them like any other) plus a finer `reason` the UI can branch on. Messages are for
// people: they name the model, the file or the limit, and never carry essay or chat text.
import type { ErrorCode } from '../../native/index';

export type ModelErrorReason =
  | 'bad-spec' // a download spec or id that is not acceptable
  | 'unknown-model' // no such id in the catalogue or among the installed models
  | 'http-status' // the server answered 4xx/5xx
  | 'network' // connection refused, reset or stalled, after the retries
  | 'size-mismatch' // the server's file, or the downloaded one, is not the expected size
  | 'hash-mismatch' // the downloaded file's sha256 is not the expected one
  | 'disk-full' // not enough free space for the download or copy
  | 'not-gguf' // addModelFile: not a GGUF file, or a broken header
  | 'unsupported-architecture'
  | 'unsupported-quantization'
  | 'bundled' // removeModel: the model shipped with the app
  | 'in-use' // removeModel: the selected model
  | 'cancelled'
  | 'load-failed' // selectModel: the engine could not load the file (the previous model is back)
  | 'io'; // a file could not be read or written

export class ModelError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly reason: ModelErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

/** The app's code for each reason: the user's input → INVALID_REQUEST; network, disk, hash → ACTION_FAILED. */
const CODES: Record<ModelErrorReason, ErrorCode> = {
  'bad-spec': 'INVALID_REQUEST',
  'unknown-model': 'INVALID_REQUEST',
  'not-gguf': 'INVALID_REQUEST',
  'unsupported-architecture': 'INVALID_REQUEST',
  'unsupported-quantization': 'INVALID_REQUEST',
  bundled: 'INVALID_REQUEST',
  'in-use': 'INVALID_REQUEST',
  'http-status': 'ENGINE_ACTION_FAILED',
  network: 'ENGINE_ACTION_FAILED',
  'size-mismatch': 'ENGINE_ACTION_FAILED',
  'hash-mismatch': 'ENGINE_ACTION_FAILED',
  'disk-full': 'ENGINE_ACTION_FAILED',
  io: 'ENGINE_ACTION_FAILED',
  cancelled: 'CANCELLED',
  'load-failed': 'ENGINE_DOWN',
};

export function modelError(reason: ModelErrorReason, message: string): ModelError {
  return new ModelError(CODES[reason], reason, message);
}

/** "1.1 GB", "98 MB", "512 KB": sizes in messages. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`;
  if (n >= 1e3) return `${Math.round(n / 1e3)} KB`;
  return `${n} bytes`;
}

/** Two sizes that differ, said so that they look different ("98,362,433 bytes, not … 98,362,432 bytes"). */
export function formatTwo(a: number, b: number): [string, string] {
  const [x, y] = [formatBytes(a), formatBytes(b)];
  return x !== y ? [x, y] : [`${a.toLocaleString('en-US')} bytes`, `${b.toLocaleString('en-US')} bytes`];
}
