// The progress line on stderr: records done of the total, rate, ETA. On a terminal it is redrawn in
// place (\r) at most ten times a second; in a log (not a TTY) a plain line is written every few
// seconds. Notes (retries, warnings) get their own line without breaking the bar.

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  total: number;
  /** Records already done before this run (a resumed import): shown as done, not in the rate. */
  already?: number;
  label?: string;
  /** Plain lines at most this often when the stream is not a terminal. */
  plainEveryMs?: number;
  now?: () => number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export class Progress {
  private readonly out: ProgressStream;
  private readonly total: number;
  private readonly already: number;
  private readonly label: string;
  private readonly plainEveryMs: number;
  private readonly now: () => number;
  private readonly started: number;
  private done = 0;
  private rejected = 0;
  private lastDraw = -Infinity;
  /** Records done when the line was last drawn: a log gets no second line for the same count. */
  private lastDone = -1;
  private drawn = false;

  constructor(out: ProgressStream, options: ProgressOptions) {
    this.out = out;
    this.total = options.total;
    this.already = options.already ?? 0;
    this.label = options.label ?? "import";
    this.plainEveryMs = options.plainEveryMs ?? 5_000;
    this.now = options.now ?? Date.now;
    this.started = this.now();
  }

  /** `records` more are done, `rejected` of them refused. */
  add(records: number, rejected = 0): void {
    this.done += records;
    this.rejected += rejected;
    this.draw(false);
  }

  note(text: string): void {
    if (this.out.isTTY && this.drawn) this.out.write("\r\x1b[2K");
    this.out.write(`${text}\n`);
    if (this.out.isTTY && this.drawn) this.out.write(this.line());
  }

  /** The last state, on a line of its own. */
  finish(): void {
    this.draw(true);
    if (this.out.isTTY) this.out.write("\n");
  }

  line(): string {
    const done = this.already + this.done;
    const elapsed = (this.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const left = this.total - done;
    const pct = this.total > 0 ? Math.min(100, (100 * done) / this.total) : 100;
    const width = 24;
    const filled = Math.round((pct / 100) * width);
    const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
    const eta = left <= 0 ? "0s" : rate > 0 ? formatDuration(left / rate) : "?";
    const rejected = this.rejected > 0 ? `, ${this.rejected} rejected` : "";
    return `${this.label} ${bar} ${done}/${this.total} rows (${pct.toFixed(1)}%), ${Math.round(rate)} rows/s, ETA ${eta}${rejected}`;
  }

  private draw(force: boolean): void {
    const t = this.now();
    if (!force && t - this.lastDraw < (this.out.isTTY ? 100 : this.plainEveryMs)) return;
    if (!this.out.isTTY && this.done === this.lastDone) return;
    this.out.write(this.out.isTTY ? `\r\x1b[2K${this.line()}` : `${this.line()}\n`);
    this.lastDone = this.done;
    this.lastDraw = t;
    this.drawn = true;
  }
}
