// "Save as PDF" and "Copy as text" in the feedback panel (shown while an assessment is). The PDF is the
// page printed by main (window.api.exportPdf → printToPDF) with its print stylesheet, which shows only
// #print-doc: the document renderer/export.ts builds. Printing from the browser (Ctrl+P) shows it too.
import { buildExport, exportText, exportTree, type Build, type ExportInput } from './export';
import { byId, el } from './dom';
import { showError, showToast } from './toast';

const actions = byId('export-actions');
const pdfButton = byId<HTMLButtonElement>('export-pdf');
const copyButton = byId<HTMLButtonElement>('export-copy');
const status = byId('export-status');
const sheet = byId('print-doc');

let source: () => ExportInput | null = () => null;
let fade: ReturnType<typeof setTimeout> | undefined;

const build: Build<HTMLElement> = (tag, attrs, ...children) => el(tag as keyof HTMLElementTagNameMap, attrs, ...children);

/** `from`: what to export now (null: no feedback shown). */
export function startExport(from: () => ExportInput | null): void {
  source = from;
  pdfButton.addEventListener('click', () => void savePdf());
  copyButton.addEventListener('click', () => void copyText());
  // The browser's own Print (and the harness) prints the same document.
  window.addEventListener('beforeprint', () => void fillSheet());
}

/** Shows the export buttons while there is feedback to export. */
export function setExportAvailable(on: boolean): void {
  actions.hidden = !on;
  if (!on) say('');
}

/** Builds the print document from the feedback as it is now. */
export function fillSheet(): ExportInput | null {
  const input = source();
  sheet.replaceChildren(...(input ? [exportTree(buildExport(input), build)] : []));
  return input;
}

function say(message: string): void {
  clearTimeout(fade);
  status.textContent = message;
  if (message) fade = setTimeout(() => say(''), 10_000);
}

async function savePdf(): Promise<void> {
  const input = fillSheet();
  if (!input) return;
  pdfButton.disabled = true;
  say('Making the PDF…');
  const r = await window.api.exportPdf({ title: input.title });
  pdfButton.disabled = false;
  if (!r.ok) {
    say('');
    showError(r.error);
    return;
  }
  // null: the student closed the save window; nothing to say.
  say(r.data ? `Saved the PDF: ${r.data.path}` : '');
}

async function copyText(): Promise<void> {
  const input = source();
  if (!input) return;
  try {
    // Straight from the click (the clipboard takes text only during a user's gesture).
    await navigator.clipboard.writeText(exportText(buildExport(input)));
    say('Copied the feedback as text: paste it anywhere.');
  } catch {
    say('');
    showToast('COPY_FAILED', 'Could not copy', 'The feedback could not be copied to the clipboard. Try again, or save it as a PDF.');
  }
}
