// The renderer's entry: everything goes through window.api (see preload/api.ts).
import { startChat } from './chat';
import { startFeedback } from './feedback';
import { startStatus } from './status';

startFeedback();
startChat();
startStatus();
