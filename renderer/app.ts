// The renderer's entry: everything goes through window.api (see preload/api.ts).
import { startAnnouncer } from './announce';
import { restoreChat, startChat } from './chat';
import { startFeedback } from './feedback';
import { startModels } from './models';
import { startProvider } from './provider';
import { startSettings } from './settings';
import { startStatus } from './status';
import { startUpdates } from './updates';
import { clearToasts } from './toast';

startAnnouncer();
startSettings();
startModels();
startProvider();
startUpdates();
startChat();
startFeedback((fileId) => {
  // Another essay: the messages were about the last one (not "history is not being saved", about all).
  clearToasts((code) => code === 'STORE_DEGRADED');
  void restoreChat(fileId);
});
startStatus();
