// "Save as PDF", without Electron: the page is printed (its print stylesheet shows only the feedback
// document), the student picks where the file goes, and it is written there. electron/ipc.ts gives it
// Electron's parts (webContents.printToPDF, dialog.showSaveDialog, the Documents folder); tests give it
// stand-ins. No essay text, title or path is logged.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ApiError, ApiResult } from '../preload/api';

/** What saving a PDF needs from Electron and the disk. */
export interface ExportIo {
  /** The sending page printed to an A4 PDF (`printToPDF({ printBackground: true, pageSize: 'A4' })`). */
  printToPdf(): Promise<Uint8Array>;
  /** Asks where to save, starting at `defaultPath`; null when the student cancels. */
  chooseFile(defaultPath: string): Promise<string | null>;
  writeFile(file: string, data: Uint8Array): Promise<void>;
  /** The folder the dialog opens in (the user's Documents), or '' to let the system choose. */
  folder(): string;
}

export const pdfExportSchema = z.object({ title: z.string().max(1_000).optional() }).strict();

/** Longest file name we suggest, without ".pdf" (well under every system's 255). */
const MAX_NAME = 80;

/**
 * The suggested file name for an essay's title: "<title> – feedback.pdf", without the characters
 * Windows or macOS refuse in names (and no leading dot, no trailing dot or space, no reserved DOS name).
 */
export function pdfFileName(title: string | undefined): string {
  let name = (title ?? '')
    .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(/^\.+/u, '');
  const chars = [...name];
  if (chars.length > MAX_NAME) name = chars.slice(0, MAX_NAME).join('').trim();
  name = name.replace(/[.\s]+$/u, '');
  if (!name || /^(con|prn|aux|nul|com\d|lpt\d)$/iu.test(name)) name = 'Essay';
  return `${name} – feedback.pdf`;
}

/** A chosen path without an extension (some Linux dialogs don't add one) gets ".pdf". */
export function withPdfExtension(file: string): string {
  return path.extname(file) === '' ? `${file}.pdf` : file;
}

/** Why writing the file failed, for the student (from the system's error code). */
export function writeFailure(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'Samsara is not allowed to write there.'
      : code === 'ENOSPC'
        ? 'The disk is full.'
        : code === 'EROFS'
          ? 'That place is read-only.'
          : code === 'ENOENT' || code === 'ENOTDIR'
            ? 'That folder no longer exists.'
            : code === 'EBUSY'
              ? 'Another program has that file open.'
              : '';
  return `The PDF could not be saved there.${why ? ` ${why}` : ''} Choose another folder and try again.`;
}

function fail(message: string): { ok: false; error: ApiError } {
  return { ok: false, error: { code: 'ENGINE_ACTION_FAILED', message } };
}

/**
 * Prints, asks where, writes. `data`: the saved file's path, or null when the student cancelled.
 * The page is printed first, so what is saved is the page as it was when the student asked.
 */
export async function savePdf(io: ExportIo, argument: unknown): Promise<ApiResult<{ path: string } | null>> {
  const input = pdfExportSchema.safeParse(argument ?? {});
  if (!input.success) return { ok: false, error: { code: 'INVALID_REQUEST', message: 'The PDF could not be made from this page.' } };
  let pdf: Uint8Array;
  try {
    pdf = await io.printToPdf();
  } catch {
    return fail('The feedback could not be turned into a PDF. Try again; if it keeps happening, restart Samsara.');
  }
  const name = pdfFileName(input.data.title);
  let folder = '';
  try {
    folder = io.folder();
  } catch {
    // no Documents folder: the dialog starts where the system likes
  }
  let chosen: string | null;
  try {
    chosen = await io.chooseFile(folder ? path.join(folder, name) : name);
  } catch {
    return fail('The window to choose where to save could not be opened. Try again.');
  }
  if (!chosen) return { ok: true, data: null };
  const file = withPdfExtension(chosen);
  try {
    await io.writeFile(file, pdf);
  } catch (e) {
    return fail(writeFailure(e));
  }
  return { ok: true, data: { path: file } };
}

/** The disk part of ExportIo (the same in the app and in tests that write real files). */
export const writePdf: ExportIo['writeFile'] = (file, data) => writeFile(file, data);
