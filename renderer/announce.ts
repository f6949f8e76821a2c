// One polite live region for what a screen reader should hear once, when it is done: a finished
// assessment, the tutor's finished reply, the model becoming ready. Visually hidden; the screen
// shows the same things in its own way.
let region: HTMLElement | null = null;
let pending: ReturnType<typeof setTimeout> | undefined;

function node(): HTMLElement {
  if (region) return region;
  region = document.createElement('div');
  region.id = 'announcer';
  region.className = 'visually-hidden';
  region.setAttribute('role', 'status');
  region.setAttribute('aria-live', 'polite');
  region.dataset.testid = 'announcer';
  // Inside <main>, so it is in a landmark like everything else.
  (document.querySelector('main') ?? document.body).append(region);
  return region;
}

/** Creates the region early: a live region must exist before what it announces is put in it. */
export function startAnnouncer(): void {
  node();
}

/** Says `message` once (the same message twice in a row is said twice). */
export function announcePolite(message: string): void {
  const r = node();
  clearTimeout(pending);
  r.textContent = '';
  pending = setTimeout(() => {
    r.textContent = message;
  }, 60);
}
