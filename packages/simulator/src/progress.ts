/** A progress line for long runs: done/total, rate and time left. */
export interface Progress {
  /** `done` so far, and a few words on how it goes; drawn at most every so often. */
  update(done: number, detail?: string): void;
  /** The last line, kept. */
  finish(detail?: string): void;
}

export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  readonly unit?: string;
  /** Where to draw (stderr unless given). */
  readonly stream?: NodeJS.WriteStream;
  /** false: draw nothing. */
  readonly enabled?: boolean;
}

const SILENT: Progress = { update: () => undefined, finish: () => undefined };

const clock = (seconds: number) =>
  Number.isFinite(seconds) ? `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}` : '-:--';
const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * On a terminal, one line redrawn in place five times a second; elsewhere (a log file, CI), a plain
 * line every 10 s, so that a long run shows it is alive without flooding the log.
 */
export function progressLine(options: ProgressOptions): Progress {
  if (options.enabled === false) return SILENT;
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  const everyMs = tty ? 200 : 10_000;
  const started = performance.now();
  let drawnAt = started;
  const line = (done: number, detail: string | undefined) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const share = options.total > 0 ? Math.min(100, Math.floor((done / options.total) * 100)) : 0;
    const left = rate > 0 ? (options.total - done) / rate : Number.NaN;
    return (
      `${options.label}  ${count(done)}/${count(options.total)}${options.unit ? ` ${options.unit}` : ''}  ${share}%  ` +
      `${count(rate)}/s  ${clock(seconds)} elapsed, ETA ${clock(Math.max(0, left))}${detail ? `  ${detail}` : ''}`
    );
  };
  return {
    update(done, detail) {
      const now = performance.now();
      if (now - drawnAt < everyMs) return;
      drawnAt = now;
      stream.write(tty ? `\r${line(done, detail)}\x1b[K` : `${line(done, detail)}\n`);
    },
    finish(detail) {
      const seconds = (performance.now() - started) / 1000;
      const text = `${options.label}  done in ${clock(seconds)}${detail ? `  ${detail}` : ''}`;
      stream.write(tty ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
  };
}
