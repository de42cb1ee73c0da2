import { describe, expect, it } from 'vitest';
import { Progress, progressBar, progressText } from './progress.ts';

describe('rebuild progress', () => {
  it('says how far, how fast and how long is left', () => {
    expect(progressText({ done: 2_500, total: 10_000, seconds: 2 })).toBe('2,500/10,000 events · 1,250 events/s · 6.0 s left');
    expect(progressText({ done: 0, total: 10_000, seconds: 0.5 })).toBe('0/10,000 events · 0 events/s · ? left');
    expect(progressText({ done: 12_000, total: 12_000, seconds: 90 })).toBe('12,000/12,000 events · 133 events/s · catching up');
  });

  it('draws a bar that fits the terminal', () => {
    const bar = progressBar({ done: 5_000, total: 10_000, seconds: 1 }, 100);
    expect(bar).toMatch(/^\[█+░+\]  50% 5,000\/10,000 events/);
    expect(bar.length).toBeLessThan(100);
    expect(bar.match(/█/g)).toHaveLength(bar.match(/░/g)!.length);
    expect(progressBar({ done: 0, total: 0, seconds: 0 }, 80)).toMatch(/^\[█+\] 100% /);
  });

  it('redraws in place on a terminal, keeping log lines above the bar; prints plain lines otherwise', () => {
    let tty = '';
    const onTty = new Progress({ isTTY: true, columns: 100, write: (s: string) => (tty += s) }, { label: 'rebuild' });
    onTty.start(() => ({ done: 1, total: 2, seconds: 1 }));
    onTty.log('{"msg":"hello"}');
    onTty.stop();
    expect(tty.startsWith('\r\x1b[2Krebuild [')).toBe(true);
    expect(tty).toContain('\r\x1b[2K{"msg":"hello"}\n\r\x1b[2Krebuild [');
    expect(tty.endsWith('\n')).toBe(true);

    let plain = '';
    const onFile = new Progress({ write: (s: string) => (plain += s) }, { label: 'rebuild' });
    onFile.start(() => ({ done: 1, total: 2, seconds: 1 }));
    onFile.log('a log line');
    onFile.stop();
    expect(plain).toBe(
      'rebuild: 1/2 events · 1 events/s · 1.0 s left\\na log line\\nrebuild: 1/2 events · 1 events/s · 1.0 s left\\n'.replaceAll(
        '\\n',
        '\n',
      ),
    );
    expect(plain).not.toContain('\x1b');
  });
});
