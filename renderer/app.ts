// The renderer's entry: everything goes through window.api (see preload/api.ts).
import { restoreChat, startChat } from './chat';
import { startFeedback } from './feedback';
import { startStatus } from './status';

startChat();
startFeedback((fileId) => void restoreChat(fileId));
startStatus();
