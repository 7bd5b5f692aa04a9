/**
 * Progress on stderr, so stdout stays clean for results (and for `render`). In a terminal: one live bar
 * per experiment (done/total point measurements and an ETA, cli-progress) with log lines above them.
 * Elsewhere (CI, pipes, files): plain time-stamped lines.
 */
import cliProgress from 'cli-progress';

export interface PlannedWork {
  key: number;
  label: string;
  total: number;
}

export class Progress {
  private readonly started = performance.now();
  private lastInline = 0;
  private multibar?: cliProgress.MultiBar;
  private readonly bars = new Map<number, cliProgress.SingleBar>();
  private readonly counts = new Map<number, { done: number; total: number }>();
  private active?: number;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly enabled = true) {}

  private stamp(): string {
    return `[${((performance.now() - this.started) / 1000).toFixed(1).padStart(6)}s]`;
  }

  /** Announces the work of each experiment; in a terminal, draws their bars. */
  plan(work: PlannedWork[]): void {
    for (const w of work) this.counts.set(w.key, { done: 0, total: w.total });
    if (!this.enabled) return;
    if (!this.stream.isTTY) {
      // An experiment with nothing to measure has said so already (the orchestrator's line).
      for (const w of work.filter((x) => x.total > 0)) this.line(`${w.label}: ${w.total} point measurement${w.total === 1 ? '' : 's'}`);
      return;
    }
    this.multibar = new cliProgress.MultiBar(
      { stream: this.stream, format: '{label} [{bar}] {value}/{total} | ETA {eta_formatted} | {detail}', hideCursor: true, clearOnComplete: false, etaBuffer: 20, autopadding: true },
      cliProgress.Presets.shades_classic,
    );
    for (const w of work.filter((x) => x.total > 0)) this.bars.set(w.key, this.multibar.create(w.total, 0, { label: w.label.padEnd(18), detail: '' }));
  }

  /** `more` point measurements of experiment `key` beyond its plan (--precision adds processes). */
  addWork(key: number, more: number): void {
    const c = this.counts.get(key);
    if (!c) return;
    c.total += more;
    this.bars.get(key)?.setTotal(c.total);
  }

  /** One point measurement of experiment `key` finished (rows or error). */
  advance(key: number): void {
    const c = this.counts.get(key);
    if (c) c.done++;
    this.active = key;
    this.bars.get(key)?.increment(1, { detail: '' });
  }

  line(message: string): void {
    if (!this.enabled) return;
    if (this.multibar) {
      this.multibar.log(`${this.stamp()} ${message}\n`);
      return;
    }
    this.clearInline();
    this.stream.write(`${this.stamp()} ${message}\n`);
  }

  /** A point starts measuring: a plain line, but not under the bars (they show it; lines would scroll them away). */
  pointStarted(message: string): void {
    if (!this.multibar) this.line(message);
  }

  /** A transient status within a point; shown on the bar in a terminal, throttled to one line per 2 s otherwise. */
  detail(message: string): void {
    if (!this.enabled) return;
    if (this.multibar) {
      if (this.active !== undefined) this.bars.get(this.active)?.update({ detail: message.slice(0, 60) });
      return;
    }
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${this.stamp()}   ${message}`);
      this.lastInline = 1;
    } else if (performance.now() - this.lastInline > 2000) {
      this.stream.write(`${this.stamp()}   ${message}\n`);
      this.lastInline = performance.now();
    }
  }

  /** Stops the bars (call before printing the summary). */
  finish(): void {
    this.multibar?.stop();
    this.multibar = undefined;
  }

  private clearInline(): void {
    if (this.stream.isTTY && this.lastInline) {
      this.stream.write('\r\x1b[2K');
      this.lastInline = 0;
    }
  }

  elapsedSeconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}
