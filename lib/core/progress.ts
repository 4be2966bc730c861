/**
 * Progress lines for long work: units done / total, rate and ETA, throttled so a notebook
 * output stays short. Lines go through `console.log`, which tslab shows in the cell
 * output and the headless executor echoes to the terminal.
 */

export interface ProgressOptions {
  /** Label in front of each line, e.g. "fig4". */
  label: string;
  /** Total number of units. */
  total: number;
  /** Minimum milliseconds between two lines (the last line is always written). */
  everyMs?: number;
  /** Write nothing before this many milliseconds have passed, the last line included: work that ends sooner stays silent (progress within one unit of a run). Default 0. */
  quietUnderMs?: number;
  /** Where lines go (default console.log). */
  write?: (line: string) => void;
  /** Clock in milliseconds (default performance.now); injectable for tests. */
  now?: () => number;
  /** Extra text at the end of each line, e.g. "workers seen: 3". */
  detail?: () => string;
}

/** "1m 05s", "12s", "850ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** One progress line. */
export function progressLine(label: string, done: number, total: number, elapsedMs: number, unit = 'units'): string {
  const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = done > 0 ? ((total - done) * elapsedMs) / done : Infinity;
  const rateText = rate >= 1 ? `${rate.toFixed(1)} ${unit}/s` : rate > 0 ? `${formatDuration(1000 / rate)} each` : '-';
  const tail = done >= total ? `done in ${formatDuration(elapsedMs)}` : `ETA ${formatDuration(eta)}`;
  return `[${label}] ${done}/${total} ${unit} (${pct}%) | ${rateText} | ${tail}`;
}

export class Progress {
  private done = 0;
  private readonly start: number;
  private last = -Infinity;
  private readonly write: (line: string) => void;
  private readonly now: () => number;
  private readonly everyMs: number;
  private total: number;

  constructor(private readonly opts: ProgressOptions) {
    this.write = opts.write ?? ((l) => console.log(l));
    this.now = opts.now ?? (() => performance.now());
    this.everyMs = opts.everyMs ?? 2000;
    this.start = this.now();
    this.total = opts.total;
  }

  /** Change the total (work added while running, e.g. by a sweep). */
  setTotal(total: number): void {
    this.total = total;
  }

  /** Count `n` more finished units and maybe write a line. */
  tick(n = 1, unit?: string): void {
    this.done += n;
    const t = this.now();
    if (t - this.start < (this.opts.quietUnderMs ?? 0)) return;
    if (this.done >= this.total || t - this.last >= this.everyMs) {
      this.last = t;
      const line = progressLine(this.opts.label, this.done, this.total, t - this.start, unit);
      this.write(this.opts.detail ? `${line} | ${this.opts.detail()}` : line);
    }
  }

  get count(): number {
    return this.done;
  }
}
