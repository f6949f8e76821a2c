// When to check the essay while the student types: after a pause (debounced), never more than one
// check in flight, and an answer is used only if the text (and dialect) it was for is still the one
// shown. No DOM, and the timer functions are injectable, so it is tested apart from the page.

export interface LiveInput {
  text: string;
  dialect: string;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class LiveChecker<R> {
  private timer: unknown = null;
  private inFlight = false;
  /** A check was asked for while one was in flight: run again when it ends. */
  private again = false;

  constructor(
    /** The text and dialect on screen now. */
    private readonly current: () => LiveInput,
    /** Runs one check (never rejects; null when it failed). */
    private readonly check: (input: LiveInput) => Promise<R | null>,
    /** Receives an answer that is still about what is on screen. */
    private readonly deliver: (input: LiveInput, result: R) => void,
    private readonly delayMs = 400,
    private readonly timers: Timers = realTimers,
  ) {}

  /** The text changed: check once the student pauses. */
  schedule(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.run();
    }, this.delayMs);
  }

  /** Check now (an applied suggestion, another essay, a new dialect or dictionary word). */
  now(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    void this.run();
  }

  /** Whether a check is waiting, running or about to run again. */
  get busy(): boolean {
    return this.inFlight || this.timer !== null || this.again;
  }

  private async run(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    const input = this.current();
    let result: R | null = null;
    try {
      result = await this.check(input);
    } catch {
      result = null;
    } finally {
      this.inFlight = false;
    }
    const now = this.current();
    const fresh = now.text === input.text && now.dialect === input.dialect;
    if (result !== null && fresh) this.deliver(input, result);
    if (this.again || (!fresh && this.timer === null)) {
      this.again = false;
      void this.run();
    }
  }
}
