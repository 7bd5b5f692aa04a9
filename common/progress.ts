/** Progress on stderr, so stdout stays clean for results (and for `render`). */
export class Progress {
  private readonly started = performance.now();
  private lastInline = 0;
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly enabled = true) {}

  private stamp(): string {
    return `[${((performance.now() - this.started) / 1000).toFixed(1).padStart(6)}s]`;
  }

  line(message: string): void {
    if (!this.enabled) return;
    this.clearInline();
    this.stream.write(`${this.stamp()} ${message}\n`);
  }

  /** A transient status within a point; overwritten in a terminal, throttled to one line per 2 s otherwise. */
  detail(message: string): void {
    if (!this.enabled) return;
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${this.stamp()}   ${message}`);
      this.lastInline = 1;
    } else if (performance.now() - this.lastInline > 2000) {
      this.stream.write(`${this.stamp()}   ${message}\n`);
      this.lastInline = performance.now();
    }
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
