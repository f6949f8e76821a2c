// Lifecycle log lines for main: one JSON object per line. What goes in is fixed by the LogEntry type:
// ids, action names, durations, outcomes and codes; never essay or chat text, and never an API key.
import type { ErrorCode, KeyStorage, ProviderKind, UpdateState } from '../preload/api';

export type LogEntry =
  | { event: 'request.start'; requestId: string; action: string }
  | {
      event: 'request.end';
      requestId: string;
      action: string;
      durationMs: number;
      outcome: 'ok' | 'error' | 'cancelled';
      code?: ErrorCode;
    }
  | { event: 'request.refused'; action: string; reason: 'sender' | 'closing' }
  | { event: 'engine.warmup'; durationMs: number; outcome: 'ok' | 'error'; code?: ErrorCode }
  | { event: 'engine.shutdown'; durationMs: number; cancelled: number }
  | {
      event: 'settings.applied';
      durationMs: number;
      outcome: 'ok' | 'error';
      threads?: number;
      dialect?: string;
      code?: ErrorCode;
    }
  | { event: 'app.start'; version: string; packaged: boolean; modelPath: string; storePath: string }
  /** The engine configured for a model of the manager: chosen now ('selected') or at start-up ('saved'). */
  | { event: 'model.switch'; modelId: string; contextSize: number; reason: 'selected' | 'saved' | 'reverted' }
  | { event: 'model.load'; modelId: string; durationMs: number; outcome: 'ok' | 'error'; code?: ErrorCode }
  /**
   * The provider given to the engine at start-up or by a save (the kind now in use and where its key is
   * kept; never the key, and not the address).
   */
  | {
      event: 'provider.applied';
      reason: 'startup' | 'saved';
      kind: ProviderKind;
      keyStorage: KeyStorage;
      durationMs: number;
      outcome: 'ok' | 'error';
      code?: ErrorCode;
    }
  /** The updater's state changed (electron/updates.ts): the version it is about and electron-updater's error code. */
  | { event: 'update'; state: UpdateState; version?: string; code?: string }
  | { event: 'app.error'; where: string; code?: ErrorCode };

export type Logger = (entry: LogEntry) => void;

/**
 * Lines to stdout. When the terminal or pipe that started the app goes away, writing gives EPIPE as
 * an 'error' event, which would end the process: the error is taken, and writing stops.
 */
export function stdoutSink(stream: NodeJS.WritableStream = process.stdout): (line: string) => void {
  let open = true;
  stream.on('error', () => {
    open = false;
  });
  return (line) => {
    if (open) stream.write(`${line}\n`);
  };
}

/** A logger that writes each entry as a JSON line (with a timestamp) to the given sinks. */
export function jsonLogger(...sinks: Array<(line: string) => void>): Logger {
  return (entry) => {
    const line = JSON.stringify({ ts: new Date().toISOString(), ...entry });
    for (const sink of sinks) {
      try {
        sink(line);
      } catch {
        // A full disk or closed stream must not break a request.
      }
    }
  };
}
