/** Where progress goes: process.stderr, or anything with `write` (tests). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

export interface ProgressState {
  /** Units done so far (events read, cases written, reports sent). */
  readonly done: number;
  /** Units to do, as far as known now (it may grow: a rebuild's target moves with the log). */
  readonly total: number;
  readonly seconds: number;
  /** A few more words on how it goes (`12,345 events`), after the rate. */
  readonly detail?: string;
}

const number = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - m * 60)} s`;
}

/** `1,234/5,678 events · 2,345 events/s · 1.9 s left` (and ` · ` detail, when there is one) */
export function progressText(state: ProgressState, unit = 'records'): string {
  const rate = state.seconds > 0 ? state.done / state.seconds : 0;
  const left = rate > 0 ? Math.max(0, state.total - state.done) / rate : Number.POSITIVE_INFINITY;
  const text = `${number(state.done)}/${number(state.total)} ${unit} · ${number(rate)} ${unit}/s · ${state.done >= state.total ? 'catching up' : `${duration(left)} left`}`;
  return state.detail ? `${text} · ${state.detail}` : text;
}

/** `[██████░░░░░░]  50% ` + progressText, fitted to `columns`. */
export function progressBar(state: ProgressState, columns: number, unit = 'records'): string {
  const fraction = state.total > 0 ? Math.min(1, state.done / state.total) : 1;
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const text = progressText(state, unit);
  // The width depends on the terminal only, so the bar does not jump as the text changes.
  const width = Math.max(10, Math.min(30, columns - 70));
  const filled = Math.round(fraction * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${percent} ${text}`.slice(0, Math.max(columns - 1, 20));
}

export interface ProgressOptions {
  /** What is being done: `rebuild`, `worker state`, `reports`. */
  readonly label: string;
  /** What is counted (`records` unless given). */
  readonly unit?: string;
  readonly ttyEveryMs?: number;
  readonly plainEveryMs?: number;
}

/**
 * The progress of a long run (a rebuild, a restore, a benchmark's load) on a stream: a bar redrawn in place when the
 * stream is a terminal, else a plain line every `plainEveryMs`, so that a log shows the run is alive without
 * flooding. Log lines go through `log` so that they print above the bar. The one progress bar of the repository.
 */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private sample: (() => ProgressState) | undefined;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions,
  ) {}

  private get tty(): boolean {
    return this.stream.isTTY === true;
  }

  start(sample: () => ProgressState): void {
    this.sample = sample;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.draw(), this.tty ? (this.options.ttyEveryMs ?? 100) : (this.options.plainEveryMs ?? 5_000));
    this.timer.unref();
    this.draw();
  }

  /** Prints a whole line (a log record, a message) above the bar. */
  log(line: string): void {
    this.clear();
    this.stream.write(line.endsWith('\n') ? line : `${line}\n`);
    if (this.tty && this.sample) this.draw();
  }

  /** Stops drawing; the last state stays on screen. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.sample) {
      this.draw();
      if (this.tty) this.stream.write('\n');
    }
    this.sample = undefined;
    this.drawn = false;
  }

  private clear(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  private draw(): void {
    if (!this.sample) return;
    const state = this.sample();
    if (this.tty) {
      this.stream.write(
        `\r\x1b[2K${this.options.label} ${progressBar(state, (this.stream.columns || 80) - this.options.label.length - 1, this.options.unit)}`,
      );
      this.drawn = true;
    } else {
      this.stream.write(`${this.options.label}: ${progressText(state, this.options.unit)}\n`);
    }
  }
}

/** A progress told each step (`update`) rather than asked (`start`): for loops that count as they go. */
export interface ProgressLine {
  update(done: number, detail?: string): void;
  /** The last line, kept. */
  finish(detail?: string): void;
}

const SILENT: ProgressLine = { update: () => undefined, finish: () => undefined };

/** A Progress on `stream` (stderr unless given) fed by `update`; `enabled: false` draws nothing. */
export function progressLine(
  options: ProgressOptions & { readonly total: number; readonly stream?: ProgressStream; readonly enabled?: boolean },
): ProgressLine {
  if (options.enabled === false) return SILENT;
  const progress = new Progress(options.stream ?? process.stderr, { plainEveryMs: 10_000, ...options });
  const started = performance.now();
  let done = 0;
  let detail: string | undefined;
  progress.start(() => ({ done, total: options.total, seconds: (performance.now() - started) / 1000, ...(detail ? { detail } : {}) }));
  return {
    update(count, words) {
      done = count;
      detail = words;
    },
    finish(words) {
      detail = words ?? detail;
      progress.stop();
    },
  };
}
