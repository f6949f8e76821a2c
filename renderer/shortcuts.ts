// Ctrl+Enter (Cmd+Enter on a Mac) assesses the essay and sends a chat question.
const mac = /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** Ctrl/Cmd+Enter, without Shift or Alt. */
export function isSubmitKey(e: KeyboardEvent): boolean {
  return e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && !e.isComposing;
}

/** "Ctrl+Enter" or "⌘+Enter", for hints. */
export const SUBMIT_LABEL = mac ? '⌘+Enter' : 'Ctrl+Enter';

/** Tells assistive technology and the tooltip about the shortcut of `button`. */
export function describeShortcut(button: HTMLElement): void {
  button.setAttribute('aria-keyshortcuts', mac ? 'Meta+Enter' : 'Control+Enter');
  button.title = `${button.textContent?.trim() ?? ''} (${SUBMIT_LABEL})`;
}
