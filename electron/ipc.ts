// One IPC channel per action, each handed to the service; nothing else is handled (the whitelist).
import { app, dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { CHANNELS, CHECKER_ACTIONS, HISTORY_ACTIONS, MODEL_ACTIONS, PROVIDER_ACTIONS, REQUEST_ACTIONS, SETTINGS_ACTIONS, UPDATE_ACTIONS } from '../preload/api';
import { writePdf, type ExportIo } from './export';
import type { ChooseModelFile, Sender, SamsaraService } from './service';

/** The sender as the service sees it: a top frame counts only if it is the main frame of our window. */
function senderOf(event: IpcMainInvokeEvent, window: BrowserWindow): Sender {
  const frame = event.senderFrame;
  const ours = !window.isDestroyed() && event.sender.id === window.webContents.id;
  return { id: event.sender.id, url: frame?.url ?? '', isMainFrame: ours && frame !== null && frame.parent === null };
}

/** Electron's part of "Save as PDF": print the page that asked, ask where (a sheet on our window), write. */
export function exportIo(event: IpcMainInvokeEvent, window: BrowserWindow): ExportIo {
  return {
    printToPdf: () => event.sender.printToPDF({ printBackground: true, pageSize: 'A4' }),
    chooseFile: async (defaultPath) => {
      const r = await dialog.showSaveDialog(window, {
        title: 'Save the feedback as a PDF',
        defaultPath,
        buttonLabel: 'Save',
        filters: [{ name: 'PDF document', extensions: ['pdf'] }],
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      });
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    writeFile: writePdf,
    folder: () => app.getPath('documents'),
  };
}

/** "Open GGUF file…": the system's Open dialog, as a sheet on our window; null when cancelled. */
export function chooseModelFile(window: BrowserWindow): ChooseModelFile {
  return async () => {
    const r = await dialog.showOpenDialog(window, {
      title: 'Open a GGUF model file',
      buttonLabel: 'Add model',
      filters: [{ name: 'GGUF model', extensions: ['gguf'] }],
      properties: ['openFile'],
    });
    return r.canceled ? null : (r.filePaths[0] ?? null);
  };
}

export function registerIpc(service: SamsaraService, window: BrowserWindow): void {
  for (const action of REQUEST_ACTIONS) {
    ipcMain.handle(CHANNELS[action], (event, envelope: unknown) =>
      service.request(action, senderOf(event, window), envelope, (ticket, text) => {
        // Streamed text goes back to the frame that asked, and only there.
        const frame = event.senderFrame;
        if (frame && !frame.isDestroyed()) frame.send(CHANNELS.token, ticket, text);
      }),
    );
  }
  ipcMain.handle(CHANNELS.healthCheck, (event) => service.healthCheck(senderOf(event, window)));
  // listAssessments, listChat, clearChat, deleteEssay (a fileId each) and deleteAssessment (an assessment id).
  for (const action of HISTORY_ACTIONS) {
    ipcMain.handle(CHANNELS[action], (event, id: unknown) => service.history(action, senderOf(event, window), id));
  }
  for (const action of CHECKER_ACTIONS) {
    ipcMain.handle(CHANNELS[action], (event, argument: unknown) => service.checker(action, senderOf(event, window), argument));
  }
  // getSettings, setSettings (a partial Settings) and openHistoryFolder (nothing: main knows the path).
  for (const action of SETTINGS_ACTIONS) {
    ipcMain.handle(CHANNELS[action], (event, argument: unknown) => service.settings(action, senderOf(event, window), argument));
  }
  // getProvider (nothing), setProvider (a ProviderPatch, maybe with a new key), testProvider ({baseUrl, apiKey?}).
  for (const action of PROVIDER_ACTIONS) {
    ipcMain.handle(CHANNELS[action], (event, argument: unknown) => service.provider(action, senderOf(event, window), argument));
  }
  // getUpdates (nothing), setUpdates ({auto}).
  for (const action of UPDATE_ACTIONS) {
    ipcMain.handle(CHANNELS[action], (event, argument: unknown) => service.updates(action, senderOf(event, window), argument));
  }
  ipcMain.handle(CHANNELS.exportPdf, (event, argument: unknown) =>
    service.exportPdf(senderOf(event, window), argument, exportIo(event, window)),
  );
  // listModels, removeModel and selectModel (an id), addModelFile (nothing: main's dialog picks the file).
  for (const action of MODEL_ACTIONS) {
    ipcMain.handle(CHANNELS[action], (event, argument: unknown) =>
      service.models(action, senderOf(event, window), argument, chooseModelFile(window)),
    );
  }
  ipcMain.handle(CHANNELS.downloadModel, (event, envelope: unknown) =>
    service.downloadModel(senderOf(event, window), envelope, (ticket, progress) => {
      // Progress goes back to the frame that asked, and only there (like streamed text).
      const frame = event.senderFrame;
      if (frame && !frame.isDestroyed()) frame.send(CHANNELS.progress, ticket, progress);
    }),
  );
  ipcMain.handle(CHANNELS.cancel, (event, ticket: unknown) => service.cancel(senderOf(event, window), ticket));
}
