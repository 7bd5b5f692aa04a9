/**
 * How a run stops on a signal. SIGINT, SIGTERM and SIGHUP all stop measuring and let the run write its
 * folder, then exit 128 + the signal's number. One Ctrl-C arrives several times within milliseconds (a
 * terminal signals npm, sh, tsx and node at once, and npm and tsx forward it again; `timeout` signals the
 * whole group), so repeats within BURST_MS of the first are the same stop. A signal after that window is
 * deliberate: quit at once, saying what of the folder is complete.
 */

/** Exit code per stop signal: 128 + its number, as a shell reports a process killed by it. */
export const STOP_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type StopSignal = keyof typeof STOP_EXIT_CODES;

/** Repeats of a signal within this long of the first are deliveries of the same stop. */
export const BURST_MS = 1000;

export interface StopHooks {
  /** Tells the user (stderr); must never throw, even with stderr closed. */
  say(message: string): void;
  /** What of the run folder is complete, for a quit before the end. */
  state(): string;
  /** Ends the process (process.exit outside tests). */
  quit(code: number): void;
  now?(): number;
}

export class StopSignals {
  readonly controller = new AbortController();
  private first?: { signal: StopSignal; at: number };
  private readonly listeners = new Map<StopSignal, () => void>();

  constructor(private readonly hooks: StopHooks) {}

  /** The exit code of the stop, once a signal has arrived. */
  get exitCode(): number | undefined {
    return this.first && STOP_EXIT_CODES[this.first.signal];
  }

  receive(signal: StopSignal): void {
    const now = this.hooks.now?.() ?? performance.now();
    if (!this.first) {
      this.first = { signal, at: now };
      this.hooks.say(`\n${signal}: stopping the measuring process; every row measured so far is on disk, and results.csv, summary.md, the charts and report.html are being written (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit now)\n`);
      this.controller.abort(signal);
      return;
    }
    if (now - this.first.at < BURST_MS) return;
    this.hooks.say(`\n${signal} again: quitting now. ${this.hooks.state()}\n`);
    this.hooks.quit(STOP_EXIT_CODES[signal]);
  }

  install(): void {
    for (const signal of Object.keys(STOP_EXIT_CODES) as StopSignal[]) {
      const listener = () => this.receive(signal);
      this.listeners.set(signal, listener);
      process.on(signal, listener);
    }
  }

  dispose(): void {
    for (const [signal, listener] of this.listeners) process.off(signal, listener);
    this.listeners.clear();
  }
}
