/** A one-line progress bar on stderr: redrawn in place on a terminal, a line per 10 % otherwise. */
export class Progress {
  private done = 0;
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly started = Date.now();
  private readonly tty = process.stderr.isTTY === true;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly enabled = true,
  ) {}

  /** Adds finished units and redraws (at most ten times a second on a terminal). */
  tick(units: number): void {
    this.done = Math.min(this.total, this.done + units);
    if (!this.enabled) return;
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastDraw < 100 && this.done < this.total) return;
      this.lastDraw = now;
      process.stderr.write(`\r${this.line()}`);
      return;
    }
    const decile = Math.floor((this.done / Math.max(1, this.total)) * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      process.stderr.write(`${this.line()}\n`);
    }
  }

  /** Ends the bar (a final newline on a terminal). */
  finish(): void {
    if (this.enabled && this.tty) process.stderr.write(`\r${this.line()}\n`);
  }

  private line(): string {
    const width = 30;
    const ratio = this.total ? this.done / this.total : 1;
    const filled = Math.round(ratio * width);
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    return `${this.label} [${bar}] ${(ratio * 100).toFixed(0).padStart(3)}% ${this.done.toLocaleString('en')}/${this.total.toLocaleString('en')} ${secs}s`;
  }
}
