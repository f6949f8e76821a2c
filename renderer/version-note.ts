// The note "This feedback is about an earlier version of the text": shown whenever the text in the
// editor is not the text the feedback in the panel was made for (compared by SHA-256, the `textHash`
// saved with each assessment), from the first edit on, and gone again when the text is back as it was.
import { textHash } from './essays';

export const EARLIER_VERSION = 'This feedback is about an earlier version of the text; assess again to update it.';

export class VersionNote {
  /** The hash of the text the shown feedback is about (null: no feedback shown). */
  private about: string | null = null;
  /** Only the newest check may change the note (hashing is asynchronous). */
  private checks = 0;

  constructor(
    private readonly note: HTMLElement,
    private readonly text: () => string,
  ) {}

  /** The feedback shown is about the text with this hash (null: none is shown); the note follows. */
  feedbackFor(hash: string | null): Promise<void> {
    this.about = hash;
    return this.check();
  }

  /** Whether the note says the feedback is about an earlier version. */
  get showing(): boolean {
    return !this.note.hidden;
  }

  /** Compares the text as it is now with the feedback's (after every change of the text). */
  async check(): Promise<void> {
    const n = ++this.checks;
    const about = this.about;
    if (about === null) {
      this.show(false);
      return;
    }
    const now = await textHash(this.text());
    if (n === this.checks) this.show(now !== about);
  }

  private show(on: boolean): void {
    this.note.hidden = !on;
    this.note.textContent = on ? EARLIER_VERSION : '';
  }
}
