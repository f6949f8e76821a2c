// window.api as the renderer sees it (exposed by preload/preload.ts through contextBridge).
import type { SamsaraApi } from './api';

declare global {
  interface Window {
    readonly api: SamsaraApi;
  }
}
