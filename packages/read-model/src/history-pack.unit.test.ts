import { describe, expect, it } from 'vitest';
import { packHistory, PACKED_FIELD, storedLines, StoredLineError, unpackHistory } from './history-pack.ts';
import { closedCase } from './test-support.ts';

const lines = closedCase().changes.flatMap((c) => c.history);
const byVersion = (ls: readonly { version: number }[]) => new Map(ls.map((l) => [l.version, l] as const));

describe('packed history lines (ADR 0043)', () => {
  it('unpacks to the lines packed, oldest first, whatever order they were given in', () => {
    const shuffled = new Map([...byVersion(lines)].reverse());
    expect(unpackHistory(packHistory(shuffled))).toEqual(lines);
    expect(packHistory(shuffled)).toEqual(packHistory(byVersion(lines)));
  });

  it('takes well under half the bytes of the lines as JSON', () => {
    const json = lines.reduce((n, l) => n + Buffer.byteLength(JSON.stringify(l)), 0);
    expect(packHistory(byVersion(lines)).length).toBeLessThan(json / 2);
  });

  it('merges a packed field with loose lines by version, a loose line taken over its packed copy', () => {
    const [first, second, ...rest] = lines;
    const fields = {
      [PACKED_FIELD]: packHistory(byVersion([first!, second!])),
      [String(second!.version)]: Buffer.from(JSON.stringify({ ...second!, at: 'loose' })),
      ...Object.fromEntries(rest.map((l) => [String(l.version), Buffer.from(JSON.stringify(l))])),
    };
    const merged = storedLines(fields);
    expect([...merged.keys()].sort((a, b) => a - b)).toEqual(lines.map((l) => l.version));
    expect(merged.get(second!.version)).toMatchObject({ at: 'loose' });
  });

  it('names the field that cannot be read', () => {
    const packed = packHistory(byVersion(lines));
    const cases: [Record<string, Buffer>, string, RegExp][] = [
      [{ '3': Buffer.from('{not json') }, '3', /not JSON/],
      [{ [PACKED_FIELD]: Buffer.concat([Buffer.of(2), packed.subarray(1)]) }, PACKED_FIELD, /unknown packed format 2/],
      [{ [PACKED_FIELD]: Buffer.concat([packed.subarray(0, 1), Buffer.from('garbage')]) }, PACKED_FIELD, /do not inflate/],
      [{ [PACKED_FIELD]: Buffer.alloc(0) }, PACKED_FIELD, /unknown packed format \(empty\)/],
    ];
    for (const [fields, field, reason] of cases) {
      const err = (() => {
        try {
          storedLines(fields);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(StoredLineError);
      expect(err).toMatchObject({ field, message: expect.stringMatching(reason) as unknown });
    }
  });
});
