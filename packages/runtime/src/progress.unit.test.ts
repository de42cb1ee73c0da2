import { describe, expect, it } from 'vitest';
import { Progress, progressBar, progressLine, progressText } from './progress.ts';

describe('progress', () => {
  it('says how far, how fast and how long is left', () => {
    expect(progressText({ done: 2_500, total: 10_000, seconds: 2 }, 'events')).toBe('2,500/10,000 events · 1,250 events/s · 6.0 s left');
    expect(progressText({ done: 0, total: 10_000, seconds: 0.5 }, 'events')).toBe('0/10,000 events · 0 events/s · ? left');
    expect(progressText({ done: 12_000, total: 12_000, seconds: 90 }, 'events')).toBe('12,000/12,000 events · 133 events/s · catching up');
  });

  it('draws a bar that fits the terminal', () => {
    const bar = progressBar({ done: 5_000, total: 10_000, seconds: 1 }, 100, 'events');
    expect(bar).toMatch(/^\[█+░+\]  50% 5,000\/10,000 events/);
    expect(bar.length).toBeLessThan(100);
    expect(bar.match(/█/g)).toHaveLength(bar.match(/░/g)!.length);
    expect(progressBar({ done: 0, total: 0, seconds: 0 }, 80)).toMatch(/^\[█+\] 100% /);
  });

  it('redraws in place on a terminal, keeping log lines above the bar; prints plain lines otherwise', () => {
    let tty = '';
    const onTty = new Progress({ isTTY: true, columns: 100, write: (s: string) => (tty += s) }, { label: 'rebuild', unit: 'events' });
    onTty.start(() => ({ done: 1, total: 2, seconds: 1 }));
    onTty.log('{"msg":"hello"}');
    onTty.stop();
    expect(tty.startsWith('\r\x1b[2Krebuild [')).toBe(true);
    expect(tty).toContain('\r\x1b[2K{"msg":"hello"}\n\r\x1b[2Krebuild [');
    expect(tty.endsWith('\n')).toBe(true);

    let plain = '';
    const onFile = new Progress({ write: (s: string) => (plain += s) }, { label: 'rebuild', unit: 'events' });
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

describe('progressLine', () => {
  it('draws what it is told, with the detail, and keeps the last line', () => {
    let out = '';
    const line = progressLine({ label: 'reports', unit: 'cases', total: 4, stream: { write: (s: string) => (out += s) } });
    line.update(2, '2 accepted');
    line.finish('4 accepted');
    expect(out).toMatch(/^reports: 0\/4 cases · 0 cases\/s · \? left\n/);
    expect(out).toMatch(/reports: 2\/4 cases · [\d,]+ cases\/s · .* left · 4 accepted\n$/);
  });

  it('draws nothing when disabled', () => {
    let out = '';
    const line = progressLine({ label: 'reports', total: 4, enabled: false, stream: { write: (s: string) => (out += s) } });
    line.update(4);
    line.finish();
    expect(out).toBe('');
  });
});
